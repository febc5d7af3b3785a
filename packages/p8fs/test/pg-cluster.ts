import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** Where Debian's postgresql-15 puts the server binaries (scripts/install-postgres.sh installs them). */
export const PG_BIN = '/usr/lib/postgresql/15/bin';
const VECTOR_CONTROL = '/usr/share/postgresql/15/extension/vector.control';
const SETUP_HINT = 'run `sudo bash scripts/setup-system.sh` (it calls scripts/install-postgres.sh)';

/** A running throwaway PostgreSQL cluster; stop() shuts it down and deletes its files. */
export interface PgCluster {
  /** node-postgres URL of the database created for the caller. */
  url: string;
  /** Create another empty database in the same cluster and return its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stop the server (mode fast: connections are cut), stay down for downMs, start it again on the same port. */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start a PostgreSQL 15 cluster in a temp dir on a free loopback port, with a fresh database.
 * Throws, naming the setup script, when PostgreSQL or pgvector is missing: a real-Postgres test
 * that quietly skips would pass CI without ever touching Postgres.
 */
export async function startPgCluster(): Promise<PgCluster> {
  for (const f of [join(PG_BIN, 'initdb'), join(PG_BIN, 'pg_ctl'), join(PG_BIN, 'postgres')]) {
    if (!existsSync(f)) throw new Error(`PostgreSQL 15 is not installed (${f} is missing): ${SETUP_HINT}`);
  }
  if (!existsSync(VECTOR_CONTROL)) {
    throw new Error(`pgvector is not installed for PostgreSQL 15 (${VECTOR_CONTROL} is missing): ${SETUP_HINT}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-pg-'));
  const data = join(dir, 'data');
  // initdb refuses to run as root, so root runs the cluster as the postgres user that Debian creates.
  const asRoot = process.getuid?.() === 0;
  const pgTool = (tool: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]) : run(join(PG_BIN, tool), args);
  const ctlStop = (mode: string) => ['-D', data, '-m', mode, '-w', 'stop'];
  const running = () => existsSync(join(data, 'postmaster.pid'));
  // If the test process dies without calling stop(), do not leave a postgres server behind.
  const onExit = () => {
    if (running()) {
      const args = ctlStop('immediate');
      try {
        if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', join(PG_BIN, 'pg_ctl'), ...args], { stdio: 'ignore' });
        else execFileSync(join(PG_BIN, 'pg_ctl'), args, { stdio: 'ignore' });
      } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  try {
    if (asRoot) await run('chown', ['postgres:postgres', dir]);
    // No fsync anywhere: the cluster is thrown away, and durability would only cost test time.
    await pgTool('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    const port = await startOnFreePort(pgTool, data, dir);
    const base = `postgresql://postgres@127.0.0.1:${port}`;
    const createDatabase = async (name: string) => {
      const admin = new pg.Client({ connectionString: `${base}/postgres` });
      await admin.connect();
      try {
        await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } finally {
        await admin.end();
      }
      return `${base}/${encodeURIComponent(name)}`;
    };
    const url = await createDatabase('p8fs_test');
    return {
      url,
      createDatabase,
      restart: async (downMs = 0) => {
        await pgTool('pg_ctl', ctlStop('fast'));
        await new Promise((r) => setTimeout(r, downMs));
        await pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', serverOptions(port, dir), '-w', '-t', '30', 'start']);
      },
      stop: async () => {
        process.removeListener('exit', onExit);
        if (running()) await pgTool('pg_ctl', ctlStop('fast'));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    onExit();
    process.removeListener('exit', onExit);
    throw err;
  }
}

type PgTool = (tool: string, args: string[]) => Promise<unknown>;

// The port is free when probed but another process may take it before postgres binds: retry.
async function startOnFreePort(pgTool: PgTool, data: string, dir: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      await pgTool('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-o', serverOptions(port, dir), '-w', '-t', '30', 'start']);
      return port;
    } catch (err) {
      if (attempt >= 3) throw new Error(`PostgreSQL did not start: ${String(err)}\n${logTail(join(dir, 'log'))}`);
    }
  }
}

// pg_ctl hands these to postgres through a shell, hence the quotes around the socket dir.
function serverOptions(port: number, dir: string): string {
  return `-p ${port} -k '${dir}' -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
}

function logTail(file: string): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no server log)';
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
