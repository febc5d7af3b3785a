import type { JobType } from '@p8fs/contracts';
import { newId } from '../../domain/ids.js';
import type { Db } from '../../ports/db.js';
import type { ClaimedJob, EnqueueOptions, JobCounts, JobQueue } from '../../ports/job-queue.js';
import { splitStored, storedPayload } from './job-trace.js';

/** A claimed job's row, as both queues read it. */
export interface JobRow {
  id: string;
  tenant_id: string;
  type: JobType;
  payload: unknown;
  attempts: number;
  max_attempts: number;
}

/**
 * The durable queue in the jobs table. Claims use FOR UPDATE SKIP LOCKED so concurrent workers
 * never take the same job; a lease (locked_until) makes a dead worker's job claimable again.
 */
export class DbJobQueue implements JobQueue {
  private readonly listeners = new Set<() => void>();

  constructor(
    private readonly db: Db,
    private readonly defaults: { maxAttempts: number },
  ) {}

  async enqueue<T extends JobType>(tenantId: string, type: T, payload: unknown, opts: EnqueueOptions = {}): Promise<string | null> {
    const runner = opts.tx ?? this.db;
    const rows = await runner.query<{ id: string }>(
      `INSERT INTO jobs (id, tenant_id, type, payload, dedupe_key, priority, max_attempts, run_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now() + ($8::int * interval '1 millisecond'))
       ON CONFLICT (tenant_id, dedupe_key) WHERE status = 'queued' AND dedupe_key IS NOT NULL DO NOTHING
       RETURNING id`,
      [newId(), tenantId, type, JSON.stringify(storedPayload(payload, opts.trace)), opts.dedupeKey ?? null, opts.priority ?? 0,
        opts.maxAttempts ?? this.defaults.maxAttempts, opts.delayMs ?? 0],
    );
    // A job written inside a transaction is only visible after commit; wake workers a tick later.
    setImmediate(() => this.notify());
    return rows[0]?.id ?? null;
  }

  async claim(workerId: string, leaseSeconds: number, types?: readonly JobType[]): Promise<ClaimedJob | null> {
    await this.db.query(
      `UPDATE jobs SET status = 'dead', finished_at = now(), updated_at = now(), locked_by = NULL,
         last_error = coalesce(last_error || E'\\n', '') || 'lease expired on the final attempt (the worker died or hung)'
       WHERE status = 'running' AND locked_until < now() AND attempts >= max_attempts`,
    );
    const rows = await this.db.query<JobRow>(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $1,
         locked_until = now() + ($2::int * interval '1 second'), updated_at = now()
       WHERE id = (
         SELECT id FROM jobs
         WHERE ((status = 'queued' AND run_at <= now()) OR (status = 'running' AND locked_until < now()))
           AND ($3::text[] IS NULL OR type = ANY($3::text[]))
         ORDER BY priority DESC, run_at
         FOR UPDATE SKIP LOCKED
         LIMIT 1)
       RETURNING id, tenant_id, type, payload, attempts, max_attempts`,
      [workerId, leaseSeconds, types ? [...types] : null],
    );
    const r = rows[0];
    if (!r) return null;
    const { payload, trace } = splitStored(r.payload);
    return { id: r.id, tenantId: r.tenant_id, type: r.type, payload: payload as never, attempts: r.attempts, maxAttempts: r.max_attempts, ...(trace ? { trace } : {}) };
  }

  async heartbeat(jobId: string, workerId: string, leaseSeconds: number): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET locked_until = now() + ($3::int * interval '1 second'), updated_at = now()
       WHERE id = $1 AND locked_by = $2 AND status = 'running'`,
      [jobId, workerId, leaseSeconds],
    );
  }

  async complete(jobId: string, workerId: string): Promise<void> {
    await this.db.query(
      `UPDATE jobs SET status = 'done', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
       WHERE id = $1 AND locked_by = $2`,
      [jobId, workerId],
    );
  }

  async fail(jobId: string, workerId: string, error: string, opts: { retry: boolean }): Promise<'retry' | 'dead'> {
    const rows = await this.db.query<{ status: string }>(
      `UPDATE jobs SET
         status = CASE WHEN $4::boolean AND attempts < max_attempts THEN 'queued' ELSE 'dead' END,
         -- backoff: 2 s doubling per attempt, capped at 10 min, with +-25 % jitter
         run_at = now() + least(2000 * power(2, greatest(attempts - 1, 0)), 600000)
                          * (0.75 + random() * 0.5) * interval '1 millisecond',
         finished_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE now() END,
         last_error = $3, locked_by = NULL, locked_until = NULL, updated_at = now()
       WHERE id = $1 AND locked_by = $2
       RETURNING status`,
      [jobId, workerId, error.slice(0, 8000), opts.retry],
    );
    // No row: the lease ran out and another worker owns the job now; its outcome stands.
    return rows[0]?.status === 'queued' ? 'retry' : 'dead';
  }

  async counts(tenantId?: string): Promise<JobCounts> {
    const rows = await this.db.query<{ status: keyof JobCounts; n: number }>(
      `SELECT status, count(*)::int AS n FROM jobs WHERE ($1::text IS NULL OR tenant_id = $1) GROUP BY status`,
      [tenantId ?? null],
    );
    const out: JobCounts = { queued: 0, running: 0, done: 0, dead: 0 };
    for (const r of rows) out[r.status] = r.n;
    return out;
  }

  /** Remove finished jobs older than the given age (dead ones are kept longer for inspection). */
  async prune(doneOlderThanHours = 24, deadOlderThanHours = 24 * 30): Promise<number> {
    const rows = await this.db.query<{ n: number }>(
      `WITH d AS (DELETE FROM jobs WHERE (status = 'done' AND finished_at < now() - ($1::int * interval '1 hour'))
                                   OR (status = 'dead' AND finished_at < now() - ($2::int * interval '1 hour')) RETURNING 1)
       SELECT count(*)::int AS n FROM d`,
      [doneOlderThanHours, deadOlderThanHours],
    );
    return rows[0]?.n ?? 0;
  }

  onEnqueue(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}
