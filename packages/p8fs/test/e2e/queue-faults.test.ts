import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestSummary } from '../../src/transports/cli/ingest/summary.js';
import { type NatsServer, startNats } from '../nats.js';
import { type PgCluster, startPgCluster } from '../pg-cluster.js';
import { BlobGate } from './blob-gate.js';
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
    const blobDir = join(data, 'shared-blobs');
    const env = vaultEnv(data, {
      P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: url, P8FS_QUEUE_PROVIDER: 'nats', P8FS_NATS_URL: nats.url,
      P8FS_BLOB_DIR: blobDir, P8FS_TIER_SMALL_ACK_WAIT_SECONDS: '5', P8FS_LOG_LEVEL: 'debug', ...extra,
    });
    const start = (args: string[], e = env) => {
      const p = new Running(args, e);
      procs.push(p);
      return p;
    };
    /** Gate the stored blobs of these files: a worker that takes one of their jobs stays inside it. */
    const gate = async (fileIds: string[]) => {
      const rows = (await sql.query<{ blob_key: string }>(`SELECT blob_key FROM files WHERE id = ANY($1::uuid[])`, [fileIds])).rows;
      expect(rows).toHaveLength(fileIds.length);
      return rows.map((r) => new BlobGate(join(blobDir, r.blob_key)));
    };
    return { env, files, start, gate };
  }

  /** Jobs of a file (its file.process job), as the jobs table has them. */
  const jobOf = async (fileId: string) =>
    (await sql.query<{ status: string; attempts: number; locked_by: string | null }>(
      `SELECT status, attempts, locked_by FROM jobs WHERE type = 'file.process' AND payload->>'file_id' = $1`, [fileId])).rows;

  /** Every file indexed, no queued/running/dead job left, and each file's chunks unique and counted once. */
  async function expectSettled(fileCount: number) {
    // A file is marked indexed inside its embed job, a moment before that job's row is done: wait for both.
    await poll(async () => {
      const [r] = (await sql.query<{ indexed: number; open: number }>(
        `SELECT (SELECT count(*)::int FROM files WHERE status = 'indexed') AS indexed,
                (SELECT count(*)::int FROM jobs WHERE status IN ('queued', 'running')) AS open`)).rows;
      return r!.indexed === fileCount && r!.open === 0;
    }, `all ${fileCount} files indexed and no job queued or running`, 180_000).catch(async (err: Error) => {
      const files = (await sql.query(`SELECT status, count(*)::int AS n FROM files GROUP BY status`)).rows;
      const jobs = (await sql.query(`SELECT type, status, attempts, last_error FROM jobs WHERE status <> 'done'`)).rows;
      throw new Error(`${err.message}\nfiles: ${JSON.stringify(files)}\nunfinished jobs: ${JSON.stringify(jobs)}`);
    });
    const jobs = (await sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM jobs GROUP BY status`)).rows;
    expect(Object.fromEntries(jobs.map((j) => [j.status, j.n]))).toEqual({ done: expect.any(Number) });
    const perFile = (await sql.query<{ uri: string; resource_count: number; n: number; ordinals: number; max: number }>(
      `SELECT f.uri, f.resource_count, count(r.id)::int AS n, count(DISTINCT r.ordinal)::int AS ordinals, max(r.ordinal)::int AS max
       FROM files f JOIN resources r ON r.file_id = f.id AND r.tenant_id = f.tenant_id GROUP BY f.id`)).rows;
    expect(perFile).toHaveLength(fileCount);
    for (const f of perFile) expect([f.n, f.ordinals, f.max + 1]).toEqual([f.resource_count, f.resource_count, f.resource_count]);
  }

  it('kill -9 of a worker mid-job: another worker finishes it after ack_wait, with no duplicate chunks', async () => {
    const { env, files, start, gate } = await stack('killworker');
    mkdirSync(join(files, 'small'));
    for (let i = 0; i < 5; i++) writeFileSync(join(files, 'small', `note-${i}.md`), note(i));
    writeFileSync(join(files, 'big.md'), bigNote());
    const small = await p8fsJson<IngestSummary>(['ingest', join(files, 'small'), '-r'], env);
    const big = await p8fsJson<IngestSummary>(['ingest', join(files, 'big.md')], env);
    expect([small.uploaded, big.uploaded]).toEqual([5, 1]);
    const bigId = big.files[0]?.id ?? '';
    // The big file's blob is a pipe the test holds: whoever takes its job stays inside it, at the
    // blob read, until killed. Not a parse that is merely slow enough, which a fast machine finishes.
    const [held] = await gate([bigId]);
    const router = start(['router']);
    await router.until((p) => p.stdout.includes('dispatching'), 'the router');
    // Two slots: one ends up held inside the big file's job, the other parses the small files,
    // whatever order the messages come in.
    const a = start(['worker', '--tier', 'small'], { ...env, P8FS_TIER_SMALL_CONCURRENCY: '2' });
    await a.until((w) => jobsDone(w, 'file.process').length >= 5 && held!.hasReader(),
      'worker A to parse the small files and to be inside the big file\'s job', 120_000);
    // The jobs table agrees: the big file's job runs, first attempt, under worker A's lease.
    const [before] = await jobOf(bigId);
    expect(before).toMatchObject({ status: 'running', attempts: 1 });
    expect(before!.locked_by).toContain(`:${a.child.pid}:`);
    expect(jobsDone(a, 'file.process')).toHaveLength(5);
    a.child.kill('SIGKILL');
    const killedAt = Date.now();
    await a.exited;
    held!.restore();
    const one = { ...env, P8FS_TIER_SMALL_CONCURRENCY: '1' };
    const b = start(['worker', '--tier', 'small'], one);
    await b.until((w) => jobsDone(w, 'file.process').length >= 1, 'worker B to finish the big file', 120_000);
    const redelivery = Date.now() - killedAt;
    expect(jobsDone(b, 'file.process').map((l) => l.attempt)).toEqual([2]);
    await expectSettled(6);
    const [after] = await jobOf(bigId);
    expect(after).toMatchObject({ attempts: 2, status: 'done' });
    console.log(`[queue-faults] killed job redelivered and finished ${redelivery} ms after kill -9 (ack_wait 5 s)`);
    await stopAll([router, b]);
  }, 400_000);

  it.each([
    { wipe: false, what: 'with its store' },
    { wipe: true, what: 'without its store (the router dispatches the lost jobs again)' },
  ])('nats-server restarted mid-run $what: nothing lost', async ({ wipe }) => {
    const N = 40;
    const SLOTS = 4; // two workers, two jobs each
    const HELD = SLOTS + 2; // every slot ends up inside a held job, and two held jobs wait in the stream
    const { env, files, start, gate } = await stack(wipe ? 'wipe' : 'restart');
    mkdirSync(join(files, 'free'));
    mkdirSync(join(files, 'held'));
    for (let i = 0; i < N; i++) writeFileSync(join(files, i < N - HELD ? 'free' : 'held', `note-${i}.md`), note(i));
    // Queued before any router runs; the held notes' blobs become pipes the test holds.
    const free = await p8fsJson<IngestSummary>(['ingest', join(files, 'free'), '-r'], env);
    const held = await p8fsJson<IngestSummary>(['ingest', join(files, 'held'), '-r'], env);
    expect([free.uploaded, held.uploaded]).toEqual([N - HELD, HELD]);
    const heldIds = held.files.flatMap((f) => (f.id ? [f.id] : []));
    const gates = await gate(heldIds);
    const router = start(['router', '--reconcile-seconds', '1', '--grace-seconds', '2']);
    const two = { ...env, P8FS_TIER_SMALL_CONCURRENCY: String(SLOTS / 2) };
    const workers = [start(['worker', '--tier', 'small'], two), start(['worker', '--tier', 'small'], two)];
    await router.until((p) => p.stdout.includes('dispatching'), 'the router');
    // Mid-run by construction, checked before the restart: every worker slot is inside a held job (so
    // nothing can finish or be pulled meanwhile) and dispatched messages wait in the stream.
    const state = await poll(async () => {
      const [r] = (await sql.query<{ done: number; held: number; waiting: number }>(
        `SELECT count(*) FILTER (WHERE status = 'done')::int AS done,
                count(*) FILTER (WHERE status = 'running' AND type = 'file.process' AND payload->>'file_id' = ANY($1))::int AS held,
                count(*) FILTER (WHERE status = 'queued' AND dispatched_at IS NOT NULL)::int AS waiting
         FROM jobs`, [heldIds])).rows;
      const reading = gates.filter((g) => g.hasReader()).length;
      return r!.held === SLOTS && reading === SLOTS && r!.waiting > 0 ? r : null;
    }, 'every worker slot inside a held job, with messages waiting', 120_000).catch((err: Error) => {
      throw new Error(`${err.message}\nrouter: ${router.stderr.slice(-3000)}\nworker: ${workers[0]!.stderr.slice(-3000)}`);
    });
    await nats.restart({ wipe, downMs: 1500 });
    // Let the held jobs go on: their workers finish them over the restarted server.
    for (const g of gates) g.release();
    await expectSettled(N);
    const lost = router.logs().filter((l) => l.msg === 'messages lost by the broker: jobs dispatched again');
    // Without its store the server forgot the waiting messages: the router must have sent them again.
    if (wipe) expect(lost.length).toBeGreaterThan(0);
    console.log(`[queue-faults] restart (wipe=${wipe}): ${state.done} jobs done, ${state.held} in flight and ${state.waiting} waiting at the restart; ` +
      `${lost.reduce((n, l) => n + Number(l.jobs), 0)} dispatched again`);
    await stopAll([router, ...workers]);
  }, 400_000);
});
