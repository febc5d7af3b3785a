import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import { type NatsServer, startNats } from '../../../test/nats.js';
import type { ClaimedJob, JobQueue } from '../../ports/job-queue.js';
import type { PgliteDb } from '../db/pglite.js';
import { DbJobQueue } from './db-queue.js';
import { connectNats } from './nats-connection.js';
import { NatsDispatcher } from './nats-dispatcher.js';
import { NatsJobQueue } from './nats-queue.js';
import { type JobMessage, STREAM, type TierSettings } from './nats-tiers.js';

// The JobQueue port's semantics, run against the jobs-table queue and the NATS JetStream queue
// (jobs table as outbox + dispatcher + per-tier pull consumers). LEASE is the db claim lease and
// the NATS tiers' ack_wait, so "the worker died" looks the same to both.

const LEASE = 2;
const FILE = '00000000-0000-4000-8000-000000000001';
const log = pino({ level: process.env.TEST_LOG ?? 'silent' });

interface Harness {
  queue: JobQueue;
  /** Move committed jobs to where claim() finds them (the NATS dispatcher; nothing for the db queue). */
  pump(): Promise<void>;
  /** The messages in the broker, for the NATS queue. */
  messages?(): Promise<JobMessage[]>;
  /** Forget everything queued (between tests). */
  reset(): Promise<void>;
  close(): Promise<void>;
}

let nats: NatsServer | undefined;
afterAll(() => nats?.stop());

const ADAPTERS: { name: string; open: (db: PgliteDb) => Promise<Harness> }[] = [
  {
    name: 'DbJobQueue',
    open: async (db) => ({
      queue: new DbJobQueue(db, { maxAttempts: 3 }), pump: async () => {}, reset: async () => void (await db.query('DELETE FROM jobs')),
      close: async () => {},
    }),
  },
  {
    name: 'NatsJobQueue',
    open: async (db) => {
      nats ??= await startNats();
      const nc: NatsConnection = await connectNats(nats.url, 'contract');
      const tier: TierSettings = { concurrency: 1, ackWaitSeconds: LEASE, timeoutSeconds: 60 };
      const topo = { tiers: { small: tier, medium: tier, large: tier }, maxDeliver: 20 };
      const queue = new NatsJobQueue(db, nc, log, { ...topo, tier: 'small', maxAttempts: 3, pullMs: 300 });
      const dispatcher = new NatsDispatcher(db, nc, queue, log, topo);
      await dispatcher.start();
      await dispatcher.stop(); // the test pumps by hand
      const jsm = await jetstreamManager(nc);
      await jsm.streams.purge(STREAM);
      return {
        queue,
        pump: async () => void (await dispatcher.dispatchOnce()),
        messages: async () => {
          const out: JobMessage[] = [];
          const info = await jsm.streams.info(STREAM);
          for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
            const m = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
            if (m) out.push(m.json<JobMessage>());
          }
          return out;
        },
        reset: async () => {
          await db.query('DELETE FROM jobs');
          await jsm.streams.purge(STREAM);
        },
        close: () => nc.close(),
      };
    },
  },
];

/** Claim until a job comes or the time passes (the db queue answers at once; NATS pulls wait). */
async function claimWithin(q: JobQueue, worker: string, ms: number): Promise<ClaimedJob | null> {
  const deadline = Date.now() + ms;
  do {
    const job = await q.claim(worker, LEASE);
    if (job) return job;
    await new Promise((r) => setTimeout(r, 50));
  } while (Date.now() < deadline);
  return null;
}

describe.each(ADAPTERS)('JobQueue contract: $name', ({ open }) => {
  let db: PgliteDb;
  let h: Harness;
  let q: JobQueue;
  beforeAll(async () => {
    db = await createTestDb(['t1', 't2']);
    h = await open(db);
    q = h.queue;
  }, 120_000); // migrations and a nats-server start: a loaded machine takes a while
  afterAll(async () => {
    await h?.close();
    await db?.close();
  });
  const reset = () => h.reset();

  it('enqueue, claim, complete: the job runs once and counts as done', async () => {
    const id = await q.enqueue('t1', 'file.process', { file_id: FILE });
    expect((await q.counts('t1')).queued).toBe(1);
    await h.pump();
    const job = await claimWithin(q, 'w1', 3000);
    expect(job).toMatchObject({ id, tenantId: 't1', type: 'file.process', payload: { file_id: FILE }, attempts: 1, maxAttempts: 3 });
    expect(await q.counts('t1')).toMatchObject({ queued: 0, running: 1 });
    await q.complete(job!.id, 'w1');
    expect(await q.counts('t1')).toEqual({ queued: 0, running: 0, done: 1, dead: 0 });
    expect(await claimWithin(q, 'w2', 600)).toBeNull();
    if (h.messages) expect(await h.messages()).toEqual([]); // acked: gone from the work queue
    await reset();
  });

  it('dedupes queued jobs by key per tenant, and a running job does not block a new one', async () => {
    const a = await q.enqueue('t1', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' });
    expect(await q.enqueue('t1', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' })).toBeNull();
    expect(await q.enqueue('t2', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' })).toBeTruthy();
    await h.pump();
    const first = await claimWithin(q, 'w1', 3000);
    expect(first).not.toBeNull();
    const again = await q.enqueue(first!.tenantId, 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' });
    expect(again).toBeTruthy();
    expect(again).not.toBe(first!.id);
    expect([a, again]).not.toContain(null);
    await reset();
  });

  it('carries the tenant on every job (and every broker message)', async () => {
    for (const t of ['t1', 't2', 't1', 't2']) await q.enqueue(t, 'resources.embed', { file_id: null });
    await h.pump();
    if (h.messages) expect((await h.messages()).map((m) => m.tenant_id).sort()).toEqual(['t1', 't1', 't2', 't2']);
    const jobs: ClaimedJob[] = [];
    for (let i = 0; i < 4; i++) jobs.push((await claimWithin(q, `w${i}`, 3000))!);
    const rows = await db.query<{ id: string; tenant_id: string }>('SELECT id, tenant_id FROM jobs');
    const tenantOf = new Map(rows.map((r) => [r.id, r.tenant_id]));
    for (const j of jobs) expect(j.tenantId).toBe(tenantOf.get(j.id));
    expect(await q.counts('t1')).toMatchObject({ running: 2 });
    expect(await q.counts('t2')).toMatchObject({ running: 2 });
    expect(await q.counts()).toMatchObject({ running: 4 });
    await reset();
  });

  it('retries a failure after a backoff of about 2 s, as a new attempt', async () => {
    await q.enqueue('t1', 'file.process', { file_id: FILE });
    await h.pump();
    const first = await claimWithin(q, 'w1', 3000);
    const failedAt = Date.now();
    expect(await q.fail(first!.id, 'w1', 'boom 1', { retry: true })).toBe('retry');
    expect(await q.counts('t1')).toMatchObject({ queued: 1, running: 0 });
    // Not yet: the row waits out a backoff of 2 s +-25 %, counted from the failure (both times from
    // the same UPDATE, so no clock of this machine is read). That no claim came early is shown below.
    const [backoff] = await db.query<{ ms: number }>(
      `SELECT (extract(epoch FROM run_at - updated_at) * 1000)::float8 AS ms FROM jobs WHERE id = $1`, [first!.id]);
    expect(backoff!.ms).toBeGreaterThanOrEqual(1500);
    expect(backoff!.ms).toBeLessThanOrEqual(2500);
    const second = await claimWithin(q, 'w2', 10_000);
    expect(second).toMatchObject({ id: first!.id, attempts: 2 });
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1400); // 2 s -25 % jitter
    await q.complete(second!.id, 'w2');
    expect((await q.counts('t1')).done).toBe(1);
    await reset();
  });

  it('dead-letters after max attempts, keeping the last error; a non-retryable error is dead at once', async () => {
    const id = await q.enqueue('t1', 'file.process', { file_id: FILE }, { maxAttempts: 2 });
    await h.pump();
    const a = await claimWithin(q, 'w1', 3000);
    expect(await q.fail(a!.id, 'w1', 'boom 1', { retry: true })).toBe('retry');
    const b = await claimWithin(q, 'w1', 5000);
    expect(b?.attempts).toBe(2);
    expect(await q.fail(b!.id, 'w1', 'boom 2', { retry: true })).toBe('dead');
    const [row] = await db.query<{ status: string; last_error: string }>('SELECT status, last_error FROM jobs WHERE id = $1', [id]);
    expect(row).toEqual({ status: 'dead', last_error: 'boom 2' });
    await q.enqueue('t1', 'file.process', { file_id: FILE });
    await h.pump();
    const c = await claimWithin(q, 'w1', 3000);
    expect(await q.fail(c!.id, 'w1', 'bad input', { retry: false })).toBe('dead');
    expect(await q.counts('t1')).toEqual({ queued: 0, running: 0, done: 0, dead: 2 });
    expect(await claimWithin(q, 'w1', 600)).toBeNull();
    if (h.messages) expect(await h.messages()).toEqual([]); // terminated
    await reset();
  });

  it('gives a dead worker’s job to another worker once the lease runs out; the late completion does not count', async () => {
    await q.enqueue('t1', 'file.process', { file_id: FILE });
    await h.pump();
    const job = await claimWithin(q, 'dead-worker', 3000);
    expect(await claimWithin(q, 'w2', 800)).toBeNull(); // lease still held
    const again = await claimWithin(q, 'w2', LEASE * 1000 + 3000);
    expect(again).toMatchObject({ id: job!.id, attempts: 2 });
    await q.complete(job!.id, 'dead-worker');
    expect((await q.counts('t1')).running).toBe(1);
    await q.complete(again!.id, 'w2');
    expect(await q.counts('t1')).toMatchObject({ running: 0, done: 1 });
    await reset();
  }, 15_000);

  it('keeps a job whose worker heartbeats past the lease', async () => {
    await q.enqueue('t1', 'file.process', { file_id: FILE });
    await h.pump();
    const job = await claimWithin(q, 'w1', 3000);
    const beat = setInterval(() => void q.heartbeat(job!.id, 'w1', LEASE), 500);
    try {
      expect(await claimWithin(q, 'w2', LEASE * 1000 + 1500)).toBeNull();
    } finally {
      clearInterval(beat);
    }
    await q.complete(job!.id, 'w1');
    expect(await q.counts('t1')).toMatchObject({ running: 0, done: 1 });
    await reset();
  }, 15_000);
});
