import type { JobType } from '@p8fs/contracts';
import type { Db } from '../../ports/db.js';
import { type JobMessage, type Tier, tierFor } from './nats-tiers.js';

/** A queued row taken for publishing, with the size of its file (for the tier). */
export interface OutboxRow {
  id: string;
  tenant_id: string;
  type: JobType;
  dispatches: number;
  file_size: number | null;
  /** The job's trace context (payload key `trace`), for the message headers; null when untraced. */
  trace?: unknown;
}

export interface Published {
  id: string;
  tier: Tier;
  seq: number;
}

/** The message of a row's next dispatch. */
export const messageOf = (r: OutboxRow): JobMessage => ({ job_id: r.id, tenant_id: r.tenant_id, type: r.type, dispatch: r.dispatches + 1 });
export const tierOf = (r: OutboxRow): Tier => tierFor(r.type, r.file_size);

/**
 * One outbox pass: in a transaction, take up to `limit` runnable undispatched rows (FOR UPDATE SKIP
 * LOCKED, so two dispatchers never take the same row), publish them, and mark those published.
 * A crash between publish and commit leaves the rows undispatched; the next pass publishes them
 * again with the same message id, which JetStream drops as a duplicate.
 */
export async function dispatchBatch(
  db: Db, limit: number, publish: (rows: OutboxRow[]) => Promise<(Published | null)[]>,
): Promise<number> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<OutboxRow>(
      `SELECT j.id, j.tenant_id, j.type, j.dispatches, f.size::float8 AS file_size, j.payload->'trace' AS trace
       FROM jobs j
       LEFT JOIN files f ON j.type = 'file.process' AND f.tenant_id = j.tenant_id AND f.id::text = j.payload->>'file_id'
       WHERE j.status = 'queued' AND j.dispatched_at IS NULL AND j.run_at <= now()
       ORDER BY j.priority DESC, j.run_at
       LIMIT $1
       FOR UPDATE OF j SKIP LOCKED`,
      [limit],
    );
    if (rows.length === 0) return 0;
    const done = (await publish(rows)).filter((p): p is Published => p !== null);
    if (done.length === 0) return 0;
    await tx.query(
      `UPDATE jobs j SET dispatched_at = now(), dispatches = j.dispatches + 1, tier = p.tier, stream_seq = p.seq
       FROM unnest($1::uuid[], $2::text[], $3::bigint[]) AS p(id, tier, seq)
       WHERE j.id = p.id`,
      [done.map((p) => p.id), done.map((p) => p.tier), done.map((p) => p.seq)],
    );
    return done.length;
  });
}

export interface DispatchedRow {
  id: string;
  dispatches: number;
  stream_seq: number;
}

/**
 * Dispatched rows that should have been delivered and finished by now: queued past their run time,
 * or running past their lease, by more than `graceSeconds`. The reconciler asks JetStream whether
 * their message still exists.
 */
export function staleDispatched(db: Db, graceSeconds: number, limit: number): Promise<DispatchedRow[]> {
  return db.query<DispatchedRow>(
    `SELECT id, dispatches, stream_seq::float8 AS stream_seq FROM jobs
     WHERE dispatched_at IS NOT NULL AND updated_at < now() - ($1::int * interval '1 second')
       AND ((status = 'queued' AND run_at < now() - ($1::int * interval '1 second'))
         OR (status = 'running' AND locked_until < now() - ($1::int * interval '1 second')))
     ORDER BY updated_at LIMIT $2`,
    [graceSeconds, limit],
  );
}

/**
 * The row's message is gone from JetStream (the server lost its store) but the job never finished:
 * put it back in the outbox, unless a worker moved it on meanwhile (same dispatch, still unfinished).
 */
export async function returnToOutbox(db: Db, row: DispatchedRow): Promise<boolean> {
  try {
    const r = await db.query(
      `UPDATE jobs SET status = 'queued', dispatched_at = NULL, locked_by = NULL, locked_until = NULL, updated_at = now(),
         last_error = coalesce(last_error || E'\\n', '') || 'message lost by the broker; dispatched again'
       WHERE id = $1 AND dispatches = $2 AND status IN ('queued', 'running') RETURNING id`,
      [row.id, row.dispatches],
    );
    return r.length > 0;
  } catch {
    // A newer queued job with the same dedupe key does the same work: this one is superseded.
    await db.query(
      `UPDATE jobs SET status = 'dead', finished_at = now(), updated_at = now(), locked_by = NULL,
         last_error = 'message lost by the broker; superseded by a newer queued job'
       WHERE id = $1 AND status IN ('queued', 'running')`,
      [row.id],
    );
    return false;
  }
}

/** JetStream stopped delivering a message (max_deliver): record the dead letter. */
export async function markUndeliverable(db: Db, jobId: string, deliveries: number): Promise<void> {
  await db.query(
    `UPDATE jobs SET status = 'dead', finished_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL,
       last_error = coalesce(last_error || E'\\n', '') || $2
     WHERE id = $1 AND status IN ('queued', 'running')`,
    [jobId, `delivered ${deliveries} times without finishing (JetStream max_deliver)`],
  );
}
