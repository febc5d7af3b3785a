import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import type { PgliteDb } from '../db/pglite.js';
import { DbJobQueue } from './db-queue.js';

const FILE = '00000000-0000-4000-8000-000000000001';

describe('DbJobQueue', () => {
  let db: PgliteDb;
  let q: DbJobQueue;
  beforeAll(async () => {
    db = await createTestDb(['t1', 't2']);
    q = new DbJobQueue(db, { maxAttempts: 2 });
  });
  afterAll(() => db.close());

  it('dedupes queued jobs by key and lets the job run once claimed', async () => {
    const a = await q.enqueue('t1', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' });
    const b = await q.enqueue('t1', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' });
    expect(a).toBeTruthy();
    expect(b).toBeNull();
    // the same key in another tenant is another job
    expect(await q.enqueue('t2', 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' })).toBeTruthy();
    const job = await q.claim('w1', 30);
    expect(job?.type).toBe('file.process');
    expect(job?.attempts).toBe(1);
    // once running, a new upload may queue a fresh job for the same key
    expect(await q.enqueue(job!.tenantId, 'file.process', { file_id: FILE }, { dedupeKey: 'file:x' })).toBeTruthy();
    await q.complete(job!.id, 'w1');
    await db.query(`DELETE FROM jobs`);
  });

  it('never hands one job to two concurrent claimers', async () => {
    for (let i = 0; i < 20; i++) await q.enqueue('t1', 'resources.embed', { file_id: null });
    const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => q.claim(`w${i}`, 30)));
    const ids = claims.filter((c) => c !== null).map((c) => c!.id);
    expect(ids).toHaveLength(20);
    expect(new Set(ids).size).toBe(20);
    await db.query(`DELETE FROM jobs`);
  });

  it('retries with backoff, then dead-letters keeping the error', async () => {
    const id = await q.enqueue('t1', 'file.process', { file_id: FILE });
    const first = await q.claim('w1', 30);
    expect(await q.fail(first!.id, 'w1', 'boom 1', { retry: true })).toBe('retry');
    const [row] = await db.query<{ status: string; delay: number }>(
      `SELECT status, extract(epoch FROM run_at - now())::float8 AS delay FROM jobs WHERE id = $1`, [id]);
    expect(row!.status).toBe('queued');
    expect(row!.delay).toBeGreaterThan(1); // ~2 s backoff
    expect(await q.claim('w1', 30)).toBeNull(); // not runnable yet
    await db.query(`UPDATE jobs SET run_at = now() WHERE id = $1`, [id]);
    const second = await q.claim('w1', 30);
    expect(second!.attempts).toBe(2);
    expect(await q.fail(second!.id, 'w1', 'boom 2', { retry: true })).toBe('dead');
    const [dead] = await db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM jobs WHERE id = $1`, [id]);
    expect(dead).toEqual({ status: 'dead', last_error: 'boom 2' });
    expect((await q.counts('t1')).dead).toBe(1);
    await db.query(`DELETE FROM jobs`);
  });

  it('a non-retryable failure is dead at once', async () => {
    await q.enqueue('t1', 'file.process', { file_id: FILE });
    const job = await q.claim('w1', 30);
    expect(await q.fail(job!.id, 'w1', 'bad input', { retry: false })).toBe('dead');
    await db.query(`DELETE FROM jobs`);
  });

  it('gives a dead worker’s job to another worker once the lease runs out', async () => {
    const id = await q.enqueue('t1', 'file.process', { file_id: FILE });
    const job = await q.claim('dead-worker', 30);
    expect(await q.claim('w2', 30)).toBeNull();
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [id]);
    const again = await q.claim('w2', 30);
    expect(again?.id).toBe(job!.id);
    expect(again?.attempts).toBe(2);
    // the dead worker's late completion no longer counts: the job belongs to w2
    await q.complete(job!.id, 'dead-worker');
    expect((await q.counts('t1')).running).toBe(1);
    await q.complete(again!.id, 'w2');
    expect((await q.counts('t1')).done).toBe(1);
    await db.query(`DELETE FROM jobs`);
  });

  it('marks a job dead when its final attempt’s lease expires', async () => {
    const id = await q.enqueue('t1', 'file.process', { file_id: FILE }, { maxAttempts: 1 });
    await q.claim('w1', 30);
    await db.query(`UPDATE jobs SET locked_until = now() - interval '1 second' WHERE id = $1`, [id]);
    expect(await q.claim('w2', 30)).toBeNull();
    const [row] = await db.query<{ status: string; last_error: string }>(`SELECT status, last_error FROM jobs WHERE id = $1`, [id]);
    expect(row!.status).toBe('dead');
    expect(row!.last_error).toMatch(/lease expired/);
  });
});
