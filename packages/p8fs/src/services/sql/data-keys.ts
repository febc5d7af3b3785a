import type { SqlRunner } from '../../ports/db.js';

/** A data_keys row: one data key of a scope, wrapped under a KEK. */
export interface DataKeyRow {
  id: string;
  scope: string;
  epoch: number;
  state: 'active' | 'retired';
  kek_id: string;
  wrapped: Uint8Array;
  created_at: Date;
}

const COLS = 'id, scope, epoch, state, kek_id, wrapped, created_at';

/** The scope's active data key, or null before its first. */
export async function activeDataKey(db: SqlRunner, scope: string): Promise<DataKeyRow | null> {
  const rows = await db.query<DataKeyRow>(`SELECT ${COLS} FROM data_keys WHERE scope = $1 AND state = 'active'`, [scope]);
  return rows[0] ?? null;
}

/** One data key of a scope by id, or null (also for another scope's key). */
export async function getDataKey(db: SqlRunner, scope: string, id: string): Promise<DataKeyRow | null> {
  const rows = await db.query<DataKeyRow>(`SELECT ${COLS} FROM data_keys WHERE scope = $1 AND id = $2`, [scope, id]);
  return rows[0] ?? null;
}

/**
 * Insert a scope's first active key unless it has one: the partial unique index on the active key
 * makes two processes racing here leave exactly one. Returns whether this row went in.
 */
export async function insertFirstDataKey(db: SqlRunner, row: Omit<DataKeyRow, 'created_at' | 'epoch' | 'state'>): Promise<boolean> {
  const out = await db.query<{ id: string }>(
    `INSERT INTO data_keys (id, scope, epoch, state, kek_id, wrapped) VALUES ($1, $2, 1, 'active', $3, $4)
     ON CONFLICT DO NOTHING RETURNING id`,
    [row.id, row.scope, row.kek_id, row.wrapped]);
  return out.length > 0;
}

/** Retire the scope's active key and make `row` the next epoch's active key (run inside a transaction). */
export async function insertNextEpoch(db: SqlRunner, row: Omit<DataKeyRow, 'created_at' | 'epoch' | 'state'>): Promise<DataKeyRow> {
  // Serialises rotations of one scope: the epoch read below cannot go stale.
  await db.query(`SELECT pg_advisory_xact_lock(hashtext('p8fs.data_keys.' || $1::text))`, [row.scope]);
  await db.query(`UPDATE data_keys SET state = 'retired', retired_at = now() WHERE scope = $1 AND state = 'active'`, [row.scope]);
  const rows = await db.query<DataKeyRow>(
    `INSERT INTO data_keys (id, scope, epoch, state, kek_id, wrapped)
     VALUES ($1, $2, (SELECT coalesce(max(epoch), 0) + 1 FROM data_keys WHERE scope = $2), 'active', $3, $4)
     RETURNING ${COLS}`,
    [row.id, row.scope, row.kek_id, row.wrapped]);
  return rows[0] as DataKeyRow;
}

/** Every data key, for re-wrapping under a new master key (locked: one rotation at a time). */
export function allDataKeysForUpdate(db: SqlRunner): Promise<DataKeyRow[]> {
  return db.query<DataKeyRow>(`SELECT ${COLS} FROM data_keys ORDER BY scope, epoch FOR UPDATE`);
}

/** Store a data key re-wrapped under another KEK. */
export async function rewrapDataKey(db: SqlRunner, id: string, kekId: string, wrapped: Uint8Array): Promise<void> {
  await db.query(`UPDATE data_keys SET kek_id = $2, wrapped = $3 WHERE id = $1`, [id, kekId, wrapped]);
}

/** The KEK ids the stored data keys are wrapped under. */
export async function kekIdsInUse(db: SqlRunner): Promise<{ kek_id: string; keys: number }[]> {
  return db.query<{ kek_id: string; keys: number }>(`SELECT kek_id, count(*)::int AS keys FROM data_keys GROUP BY kek_id ORDER BY kek_id`);
}

/** One data key per KEK id in use, to check at start-up that the master key opens them. */
export function oneKeyPerKek(db: SqlRunner): Promise<DataKeyRow[]> {
  return db.query<DataKeyRow>(`SELECT DISTINCT ON (kek_id) ${COLS} FROM data_keys ORDER BY kek_id, created_at`);
}

/** Every data key with how many blobs each encrypts (keys status). */
export function dataKeysWithCounts(db: SqlRunner, scope?: string): Promise<(Omit<DataKeyRow, 'wrapped'> & { blobs: number })[]> {
  return db.query(
    `SELECT k.id, k.scope, k.epoch, k.state, k.kek_id, k.created_at,
            (SELECT count(*)::int FROM blobs b WHERE b.tenant_id = k.scope AND b.data_key_id = k.id) AS blobs
       FROM data_keys k WHERE ($1::text IS NULL OR k.scope = $1) ORDER BY k.scope, k.epoch`,
    [scope ?? null]);
}
