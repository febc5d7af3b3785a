import { randomBytes } from 'node:crypto';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../common.js';
import { freePort } from '../scaleout/services.js';

const run = promisify(execFile);
const script = (name: string) => join(REPO_ROOT, 'scripts', name);
const lines = (out: string) => Object.fromEntries(out.trim().split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PG_BIN = '/usr/lib/postgresql/15/bin';
const asPg = (args: string[]): [string, string[]] => (process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0] as string, args.slice(1)]);

/**
 * The scale-out backing services, started from the same scripts as the scaleout suite's startBackends
 * (scripts/postgres.sh, nats.sh, ceph-rgw.sh), but keeping their directories and ports, so that each
 * can be restarted or taken down in place: startBackends hides those, and the scaleout suite stays as it is.
 */
export interface FaultableBackends {
  env: Record<string, string>;
  restartPg(): Promise<void>;
  restartNats(): Promise<void>;
  /** radosgw stopped for downMs, then started again with its own command line; the monitor and OSD stay up */
  rgwDown(downMs: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFaultableBackends(): Promise<FaultableBackends> {
  const [pgPort, natsPort, s3Port, monPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const pgDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-pg-'));
  const natsDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-nats-'));
  const rgwDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-rgw-'));
  const natsStore = join(natsDir, 'store');
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    const pg = lines((await run('bash', [script('postgres.sh'), 'start', pgDir, String(pgPort)])).stdout);
    stops.push(() => run('bash', [script('postgres.sh'), 'stop', pgDir]));
    await run('bash', [script('nats.sh'), 'start', String(natsPort), natsStore]);
    stops.push(() => run('bash', [script('nats.sh'), 'wipe', String(natsPort), natsStore]));
    const s3 = lines((await run('bash', [script('ceph-rgw.sh'), 'start', rgwDir, String(s3Port), 'benchaccess', 'benchsecret0123456789'],
      { env: { ...process.env, CEPH_MON_PORT: String(monPort) }, timeout: 120_000 })).stdout);
    stops.push(() => run('bash', [script('ceph-rgw.sh'), 'stop', rgwDir]));
    const endpoint = s3.P8FS_S3_ENDPOINT as string;
    const serving = async () => fetch(endpoint).then(() => true, () => false);
    return {
      env: {
        P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: pg.P8FS_PG_URL as string,
        P8FS_BLOB_PROVIDER: 's3', P8FS_S3_ENDPOINT: endpoint, P8FS_S3_REGION: s3.P8FS_S3_REGION ?? 'us-east-1',
        P8FS_S3_ACCESS_KEY: 'benchaccess', P8FS_S3_SECRET_KEY: 'benchsecret0123456789', P8FS_S3_BUCKET: 'p8fs-bench',
        P8FS_QUEUE_PROVIDER: 'nats', P8FS_NATS_URL: `nats://127.0.0.1:${natsPort}`,
        P8FS_MASTER_KEY: randomBytes(32).toString('base64'),
      },
      // pg_ctl restart -m fast: connections are cut, the server comes back with the options it ran with.
      restartPg: async () => {
        const [cmd, args] = asPg([`${PG_BIN}/pg_ctl`, '-D', join(pgDir, 'data'), '-l', join(pgDir, 'log'), '-m', 'fast', '-w', '-t', '60', 'restart']);
        await run(cmd, args, { timeout: 90_000 });
      },
      // SIGTERM to nats-server (the script's stop), then a start on the same port and JetStream store.
      restartNats: async () => {
        await run('bash', [script('nats.sh'), 'stop', String(natsPort)]);
        await run('bash', [script('nats.sh'), 'start', String(natsPort), natsStore]);
      },
      rgwDown: async (downMs: number) => {
        const pid = Number(readFileSync(join(rgwDir, 'run', 'client.rgw.pid'), 'utf8').trim());
        const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
        const t = Date.now();
        process.kill(pid, 'SIGKILL');
        for (let i = 0; i < 100 && (await serving()); i++) await sleep(100);
        await sleep(Math.max(0, downMs - (Date.now() - t)));
        // radosgw daemonizes: the spawned command returns once the daemon is forked.
        await new Promise<void>((resolve, reject) => {
          const c = spawn(argv[0] as string, argv.slice(1), { stdio: 'ignore' });
          c.on('error', reject);
          c.on('exit', () => resolve());
        });
        for (let i = 0; i < 600 && !(await serving()); i++) await sleep(100);
        if (!(await serving())) throw new Error('radosgw did not come back');
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
