import { randomBytes } from 'node:crypto';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../common.js';

const run = promisify(execFile);
const script = (name: string) => join(REPO_ROOT, 'scripts', name);

/** The scale-out backing services, started from the repository's scripts (PostgreSQL, Ceph RGW, NATS). */
export interface Backends {
  env: Record<string, string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    }).on('error', reject);
  });
}

const lines = (out: string) => Object.fromEntries(out.trim().split('\n').filter((l) => l.includes('=')).map((l) => l.split('=', 2) as [string, string]));

export async function startBackends(): Promise<Backends> {
  const [pgPort, natsPort, s3Port, monPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const pgDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-pg-'));
  const natsDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-nats-'));
  const rgwDir = mkdtempSync(join(tmpdir(), 'p8fs-bench-rgw-'));
  const stops: Array<() => Promise<unknown>> = [];
  try {
    const pg = lines((await run('bash', [script('postgres.sh'), 'start', pgDir, String(pgPort)])).stdout);
    stops.push(() => run('bash', [script('postgres.sh'), 'stop', pgDir]));
    await run('bash', [script('nats.sh'), 'start', String(natsPort), join(natsDir, 'store')]);
    stops.push(() => run('bash', [script('nats.sh'), 'wipe', String(natsPort), join(natsDir, 'store')]));
    const s3 = lines((await run('bash', [script('ceph-rgw.sh'), 'start', rgwDir, String(s3Port), 'benchaccess', 'benchsecret0123456789'],
      { env: { ...process.env, CEPH_MON_PORT: String(monPort) }, timeout: 120_000 })).stdout);
    stops.push(() => run('bash', [script('ceph-rgw.sh'), 'stop', rgwDir]));
    return {
      env: {
        P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: pg.P8FS_PG_URL as string,
        P8FS_BLOB_PROVIDER: 's3', P8FS_S3_ENDPOINT: s3.P8FS_S3_ENDPOINT as string, P8FS_S3_REGION: s3.P8FS_S3_REGION ?? 'us-east-1',
        P8FS_S3_ACCESS_KEY: 'benchaccess', P8FS_S3_SECRET_KEY: 'benchsecret0123456789', P8FS_S3_BUCKET: 'p8fs-bench',
        P8FS_QUEUE_PROVIDER: 'nats', P8FS_NATS_URL: `nats://127.0.0.1:${natsPort}`,
        // One master key for every process on the shared database (decision 0017).
        P8FS_MASTER_KEY: randomBytes(32).toString('base64'),
      },
      stop: async () => {
        for (const s of stops.reverse()) await s().catch(() => undefined);
      },
    };
  } catch (err) {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    throw err;
  }
}

/** A spawned `p8fs` process; its output is kept to read the listening URL. */
export class Proc {
  readonly child: ChildProcess;
  out = '';
  constructor(bin: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => {
      this.out += b.toString();
    });
    this.child.stderr?.on('data', (b: Buffer) => {
      this.out = (this.out + b.toString()).slice(-20_000);
    });
  }

  async until<T>(fn: (out: string) => T | null | undefined, what: string, ms = 120_000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = fn(this.out);
      if (v) return v;
      if (this.child.exitCode !== null || Date.now() > end) throw new Error(`${what}: not seen\n${this.out.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}
