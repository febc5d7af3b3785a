import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcp, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SETUP_HINT = 'run `sudo bash scripts/setup-system.sh` (it installs Debian nats-server)';

/** A throwaway nats-server with JetStream on loopback, or the one P8FS_TEST_NATS_URL names. */
export interface NatsServer {
  url: string;
  /** Stop (SIGTERM) and start again on the same port and store: the stream survives. */
  restart(opts?: { wipe?: boolean; downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Start nats-server -js on a free port with a store in a temp dir. Throws naming the setup script
 * when the server is missing: a queue test that skipped quietly would pass CI without NATS.
 */
export async function startNats(): Promise<NatsServer> {
  const external = process.env.P8FS_TEST_NATS_URL;
  if (external) {
    return { url: external, restart: () => Promise.reject(new Error('cannot restart P8FS_TEST_NATS_URL')), stop: async () => {} };
  }
  try {
    execFileSync('nats-server', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`nats-server is not installed: ${SETUP_HINT}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-nats-'));
  const port = await freePort();
  let child: ChildProcess | null = null;
  const onExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const start = async () => {
    child = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', join(dir, 'store')], { stdio: 'ignore' });
    await waitForPort(port, child);
  };
  const halt = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    restart: async ({ wipe = false, downMs = 0 } = {}) => {
      await halt();
      if (wipe) rmSync(join(dir, 'store'), { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    stop: async () => {
      process.removeListener('exit', onExit);
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`nats-server exited with ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = tcp(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nats-server did not listen on ${port}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

