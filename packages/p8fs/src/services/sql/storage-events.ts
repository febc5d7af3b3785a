import type { SqlRunner } from '../../ports/db.js';

/** One upload of an incoming key: the key, its etag and its modification time (whole seconds). */
export interface EventId {
  key: string;
  etag: string;
  modified: Date;
}

export type ClaimOutcome = 'claimed' | 'done' | 'failed' | 'busy';
const ID = 'object_key = $1 AND etag = $2 AND modified = $3';

/**
 * Claim one upload for ingesting. The primary key decides between racing claimers; a claim older
 * than leaseSeconds was left by a process that died and is taken over (the UPDATE re-checks
 * claimed_at under the row lock, so only one taker wins).
 */
export async function claimEvent(db: SqlRunner, e: EventId & { tenantId: string; size: number }, leaseSeconds: number): Promise<ClaimOutcome> {
  const ins = await db.query(
    `INSERT INTO storage_events (object_key, etag, modified, tenant_id, size, status) VALUES ($1, $2, $3, $4, $5, 'claimed')
     ON CONFLICT DO NOTHING RETURNING 1 AS ok`, [e.key, e.etag, e.modified, e.tenantId, e.size]);
  if (ins.length > 0) return 'claimed';
  const took = await db.query(
    `UPDATE storage_events SET claimed_at = now() WHERE ${ID} AND status = 'claimed'
       AND claimed_at < now() - make_interval(secs => $4) RETURNING 1 AS ok`, [e.key, e.etag, e.modified, leaseSeconds]);
  if (took.length > 0) return 'claimed';
  const rows = await db.query<{ status: 'claimed' | 'done' | 'failed' }>(`SELECT status FROM storage_events WHERE ${ID}`, [e.key, e.etag, e.modified]);
  const s = rows[0]?.status;
  return s === 'done' || s === 'failed' ? s : 'busy';
}

/** Record how a claimed upload ended. */
export async function finishEvent(db: SqlRunner, e: EventId, status: 'done' | 'failed', fileId: string | null, error: string | null): Promise<void> {
  await db.query(`UPDATE storage_events SET status = $4, file_id = $5, error = $6, finished_at = now() WHERE ${ID}`,
    [e.key, e.etag, e.modified, status, fileId, error]);
}

/** Give a claim up (a transient failure, or the object changed): a later pass tries again. */
export async function releaseEvent(db: SqlRunner, e: EventId): Promise<void> {
  await db.query(`DELETE FROM storage_events WHERE ${ID} AND status = 'claimed'`, [e.key, e.etag, e.modified]);
}

export async function tenantExists(db: SqlRunner, tenantId: string): Promise<boolean> {
  return (await db.query('SELECT 1 AS ok FROM tenants WHERE tenant_id = $1', [tenantId])).length > 0;
}
