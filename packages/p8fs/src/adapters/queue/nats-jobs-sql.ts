import type { JobRow } from './db-queue.js';
import type { Db } from '../../ports/db.js';

export type StartedRow = JobRow;

/** What a worker does with a delivered message whose job it could not start. */
export type NotStarted =
  | { action: 'ack'; why: string } // finished or gone: a duplicate delivery
  | { action: 'nak'; delayMs: number } // another live worker holds the lease
  | { action: 'dead'; why: string }; // the previous holder died on the final attempt

/**
 * Start a delivered job: the row becomes running under this worker's lease (= the tier's ack_wait)
 * and counts an attempt. Runs when the row is queued, or running under a lease that ran out (its
 * worker died: this is the redelivery).
 */
export async function startJob(db: Db, jobId: string, workerId: string, leaseSeconds: number): Promise<StartedRow | NotStarted> {
  const rows = await db.query<StartedRow>(
    `UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $2,
       locked_until = now() + ($3::int * interval '1 second'), updated_at = now()
     WHERE id = $1 AND attempts < max_attempts
       AND (status = 'queued' OR (status = 'running' AND locked_until < now()))
     RETURNING id, tenant_id, type, payload, attempts, max_attempts`,
    [jobId, workerId, leaseSeconds],
  );
  if (rows[0]) return rows[0];
  const [row] = await db.query<{ status: string; lease_ms: number | null; spent: boolean }>(
    `SELECT status, (extract(epoch FROM locked_until - now()) * 1000)::float8 AS lease_ms, attempts >= max_attempts AS spent
     FROM jobs WHERE id = $1`,
    [jobId],
  );
  if (!row || row.status === 'done' || row.status === 'dead') return { action: 'ack', why: row ? `job is ${row.status}` : 'job is gone' };
  if (row.status === 'running' && (row.lease_ms ?? 0) > 0) return { action: 'nak', delayMs: Math.ceil(row.lease_ms ?? 0) + 250 };
  const dead = await db.query(
    `UPDATE jobs SET status = 'dead', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL,
       last_error = coalesce(last_error || E'\\n', '') || 'lease expired on the final attempt (the worker died or hung)'
     WHERE id = $1 AND status IN ('queued', 'running') AND attempts >= max_attempts RETURNING id`,
    [jobId],
  );
  return dead.length > 0 ? { action: 'dead', why: 'attempts spent' } : { action: 'nak', delayMs: 250 };
}

/**
 * Record a failure. Retry: the row is queued again with the backoff of the db queue (2 s doubling,
 * capped at 10 min, +-25 % jitter) and the delay comes back for nak(delay). Otherwise dead.
 */
export async function failJob(
  db: Db, jobId: string, workerId: string, error: string, retry: boolean,
): Promise<{ outcome: 'retry' | 'dead' | 'lost'; delayMs: number }> {
  const rows = await db.query<{ status: string; delay_ms: number }>(
    `UPDATE jobs SET
       status = CASE WHEN $4::boolean AND attempts < max_attempts THEN 'queued' ELSE 'dead' END,
       run_at = now() + least(2000 * power(2, greatest(attempts - 1, 0)), 600000)
                        * (0.75 + random() * 0.5) * interval '1 millisecond',
       finished_at = CASE WHEN $4::boolean AND attempts < max_attempts THEN NULL ELSE now() END,
       last_error = $3, locked_by = NULL, locked_until = NULL, updated_at = now()
     WHERE id = $1 AND locked_by = $2
     RETURNING status, (extract(epoch FROM run_at - now()) * 1000)::float8 AS delay_ms`,
    [jobId, workerId, error.slice(0, 8000), retry],
  );
  const r = rows[0];
  // No row: the lease ran out and another worker owns the job now; its outcome stands.
  if (!r) return { outcome: 'lost', delayMs: 0 };
  return { outcome: r.status === 'queued' ? 'retry' : 'dead', delayMs: Math.max(0, Math.round(r.delay_ms)) };
}

/** Finish a job this worker still holds; false when the lease ran out and another worker has it. */
export async function completeJob(db: Db, jobId: string, workerId: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE jobs SET status = 'done', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
     WHERE id = $1 AND locked_by = $2 AND status = 'running' RETURNING id`,
    [jobId, workerId],
  );
  return rows.length > 0;
}
