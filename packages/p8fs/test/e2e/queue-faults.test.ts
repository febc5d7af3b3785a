import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { type NatsServer, startNats } from '../nats.js';
import { type PgCluster, startPgCluster } from '../pg-cluster.js';
import { assertBuilt, cleanup, p8fsJson, poll, Running, tempDir, vaultEnv, bigNote, jobsDone } from './cli.js';

// Faults of the scale-out queue with real processes: `p8fs router` and `p8fs worker --tier small`
// on one PostgreSQL, one nats-server and a shared blob folder.

const note = (i: number) => `# Note ${i}\n\nSmall note number ${i} about the garden.\n\n## Part two\n\nMore about note ${i}.\n`;
/** SIGTERM: each process finishes its jobs in flight and exits 0. */
async function stopAll(ps: Running[]): Promise<void> {
  for (const p of ps) {
    const code = await p.stop('SIGTERM');
    if (code !== 0) throw new Error(`${p.child.spawnargs.slice(2).join(' ')} exited ${code}\n${p.stderr.slice(-4000)}`);
  }
}

describe('NATS queue faults (real processes)', () => {
  let cluster: PgCluster;
  let nats: NatsServer;
  const procs: Running[] = [];
  const dirs: string[] = [];
  let sql: pg.Pool;

  beforeAll(async () => {
    assertBuilt();
    [cluster, nats] = await Promise.all([startPgCluster(), startNats()]);
  }, 120_000);
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await sql?.end();
    await nats?.stop();
    await cluster?.stop();
    cleanup(...dirs);
  });

  /** A fresh database, data dir and blob folder for one scenario. */
  async function stack(name: string, extra: Record<string, string> = {}) {
    const url = await cluster.createDatabase(name);
    const data = tempDir(`q-${name}`);
    const files = tempDir(`q-${name}-files`);
    dirs.push(data, files);
    await sql?.end();
    sql = new pg.Pool({ connectionString: url, max: 2 });
    const env = vaultEnv(data, {
      P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: url, P8FS_QUEUE_PROVIDER: 'nats', P8FS_NATS_URL: nats.url,
      P8FS_BLOB_DIR: join(data, 'shared-blobs'), P8FS_TIER_SMALL_ACK_WAIT_SECONDS: '5', P8FS_LOG_LEVEL: 'debug', ...extra,
    });
    const start = (args: string[], e = env) => {
      const p = new Running(args, e);
      procs.push(p);
      return p;
    };
    return { env, files, start };
  }

  /** Every file indexed, no queued/running/dead job left, and each file's chunks unique and counted once. */
  async function expectSettled(fileCount: number) {
    await poll(async () => {
      const [r] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM files WHERE status = 'indexed'`)).rows;
      return r!.n === fileCount;
    }, `all ${fileCount} files indexed`, 180_000);
    const jobs = (await sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`)).rows;
    expect(Object.fromEntries(jobs.map((j) => [j.status, j.n]))).toEqual({ done: expect.any(Number) });
    const perFile = (await sql.query<{ uri: string; resource_count: number; n: number; ordinals: number; max: number }>(
      `SELECT f.uri, f.resource_count, count(r.id)::int AS n, count(DISTINCT r.ordinal)::int AS ordinals, max(r.ordinal)::int AS max
       FROM files f JOIN resources r ON r.file_id = f.id AND r.tenant_id = f.tenant_id GROUP BY f.id`)).rows;
    expect(perFile).toHaveLength(fileCount);
    for (const f of perFile) expect([f.n, f.ordinals, f.max + 1]).toEqual([f.resource_count, f.resource_count, f.resource_count]);
  }

  it('kill -9 of a worker mid-job: another worker finishes it after ack_wait, with no duplicate chunks', async () => {
    const { env, files, start } = await stack('killworker');
    mkdirSync(join(files, 'small'));
    for (let i = 0; i < 5; i++) writeFileSync(join(files, 'small', `note-${i}.md`), note(i));
    writeFileSync(join(files, 'big.md'), bigNote());
    const small = await p8fsJson<IngestSummary>(['ingest', join(files, 'small'), '-r'], env);
    const big = await p8fsJson<IngestSummary>(['ingest', join(files, 'big.md')], env);
    expect([small.uploaded, big.uploaded]).toEqual([5, 1]);
    const router = start(['router']);
    await router.until((p) => p.stdout.includes('dispatching'), 'the router');
    const one = { ...env, P8FS_TIER_SMALL_CONCURRENCY: '1' };
    const a = start(['worker', '--tier', 'small'], one);
    await a.until((w) => jobsDone(w, 'file.process').length >= 5, 'the small files parsed by worker A', 120_000);
    await new Promise((r) => setTimeout(r, 800));
    const [running] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status = 'running' AND type = 'file.process'`)).rows;
    expect(running!.n).toBe(1); // A is inside the big file's parse
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    const b = start(['worker', '--tier', 'small'], one);
    await b.until((w) => jobsDone(w, 'file.process').length >= 1, 'worker B to finish the big file', 120_000);
    const redelivery = Date.now() - killedAt;
    expect(jobsDone(b, 'file.process').map((l) => l.attempt)).toEqual([2]);
    await expectSettled(6);
    const [bigJob] = (await sql.query<{ attempts: number; status: string }>(
      `SELECT attempts, status FROM jobs WHERE type = 'file.process' AND payload->>'file_id' = $1`, [big.files[0]!.id])).rows;
    expect(bigJob).toEqual({ attempts: 2, status: 'done' });
    console.log(`[queue-faults] killed job redelivered and finished ${redelivery} ms after kill -9 (ack_wait 5 s)`);
    await stopAll([router, b]);
  }, 400_000);

  it.each([
    { wipe: false, what: 'with its store' },
    { wipe: true, what: 'without its store (the router dispatches the lost jobs again)' },
  ])('nats-server restarted mid-run $what: nothing lost', async ({ wipe }) => {
    const N = 40;
    const { env, files, start } = await stack(wipe ? 'wipe' : 'restart');
    for (let i = 0; i < N; i++) writeFileSync(join(files, `note-${i}.md`), note(i));
    const router = start(['router', '--reconcile-seconds', '1', '--grace-seconds', '2']);
    const workers = [start(['worker', '--tier', 'small']), start(['worker', '--tier', 'small'])];
    await router.until((p) => p.stdout.includes('dispatching'), 'the router');
    await p8fsJson<IngestSummary>(['ingest', files, '-r'], env);
    await poll(async () => workers.reduce((n, w) => n + jobsDone(w, 'file.process').length, 0) >= 5, 'some jobs done', 60_000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\nrouter: ${router.stderr.slice(-3000)}\nworker: ${workers[0]!.stderr.slice(-3000)}`);
      });
    const [open] = (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE status <> 'done'`)).rows;
    await nats.restart({ wipe, downMs: 1500 });
    expect(open!.n).toBeGreaterThan(0); // the restart hit a run in progress
    await expectSettled(N);
    const lost = router.logs().filter((l) => l.msg === 'messages lost by the broker: jobs dispatched again');
    if (wipe) expect(lost.length).toBeGreaterThan(0);
    console.log(`[queue-faults] restart (wipe=${wipe}): ${open!.n} jobs unfinished at the restart, ${lost.reduce((n, l) => n + Number(l.jobs), 0)} dispatched again`);
    await stopAll([router, ...workers]);
  }, 400_000);
});
