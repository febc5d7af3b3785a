import type { VaultMode } from '@p8fs/contracts';
import type { SqlRunner } from '../../ports/db.js';

// The relay of end-to-end vaults (migration 0012): sealed records, blobs, snapshots, key envelopes and
// devices' public keys. Every statement is scoped by tenant_id; nothing here can read what it stores.

/** A tenant's vault mode (server when the tenant is unknown: nothing to refuse then). */
export async function tenantMode(db: SqlRunner, tenantId: string): Promise<VaultMode> {
  const rows = await db.query<{ mode: VaultMode }>(`SELECT mode FROM tenants WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.mode ?? 'server';
}

export interface RecordRow {
  seq: number;
  record_id: string;
  device_id: string;
  epoch: number;
  body: Uint8Array;
  created_at: Date;
}

/** Lock the tenant's log row (created on first use): pushes to one vault are numbered one at a time. */
export async function lockLog(tx: SqlRunner, tenantId: string): Promise<number> {
  await tx.query(`INSERT INTO e2e_vaults (tenant_id) VALUES ($1) ON CONFLICT (tenant_id) DO NOTHING`, [tenantId]);
  const rows = await tx.query<{ head: number }>(`SELECT head_seq::float8 AS head FROM e2e_vaults WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
  return rows[0]?.head ?? 0;
}

/** The positions of records already in the log, by record id. */
export async function existingRecords(tx: SqlRunner, tenantId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await tx.query<{ record_id: string; seq: number }>(
    `SELECT record_id, seq::float8 AS seq FROM e2e_records WHERE tenant_id = $1 AND record_id = ANY($2::uuid[])`, [tenantId, [...ids]]);
  return new Map(rows.map((r) => [r.record_id, r.seq]));
}

/** Append records at the given positions and move the head; under lockLog's lock. */
export async function appendRecords(
  tx: SqlRunner, tenantId: string, deviceId: string, rows: ReadonlyArray<{ seq: number; record_id: string; epoch: number; body: Uint8Array }>,
): Promise<void> {
  for (const r of rows) {
    await tx.query(
      `INSERT INTO e2e_records (tenant_id, seq, record_id, device_id, epoch, body) VALUES ($1, $2, $3, $4, $5, $6)`,
      [tenantId, r.seq, r.record_id, deviceId, r.epoch, r.body]);
  }
  const head = rows.reduce((m, r) => Math.max(m, r.seq), 0);
  if (head > 0) await tx.query(`UPDATE e2e_vaults SET head_seq = greatest(head_seq, $2) WHERE tenant_id = $1`, [tenantId, head]);
}

/** A page of the log after a position, oldest first. */
export function recordsAfter(db: SqlRunner, tenantId: string, after: number, limit: number): Promise<RecordRow[]> {
  return db.query<RecordRow>(
    `SELECT seq::float8 AS seq, record_id, device_id, epoch, body, created_at FROM e2e_records
      WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [tenantId, after, limit]);
}

/** The log's newest position (0 when empty). */
export async function headSeq(db: SqlRunner, tenantId: string): Promise<number> {
  const rows = await db.query<{ head: number }>(`SELECT head_seq::float8 AS head FROM e2e_vaults WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.head ?? 0;
}

export interface SyncBlobRow {
  blob_id: string;
  blob_key: string;
  size: number;
}

export async function findSyncBlob(db: SqlRunner, tenantId: string, blobId: string): Promise<SyncBlobRow | null> {
  const rows = await db.query<SyncBlobRow>(
    `SELECT blob_id, blob_key, size::float8 AS size FROM e2e_blobs WHERE tenant_id = $1 AND blob_id = $2`, [tenantId, blobId]);
  return rows[0] ?? null;
}

/** Record a stored blob; false when the id was taken meanwhile (the first one stays). */
export async function insertSyncBlob(db: SqlRunner, tenantId: string, row: SyncBlobRow & { device_id: string | null }): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO e2e_blobs (tenant_id, blob_id, blob_key, size, device_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, blob_id) DO NOTHING RETURNING blob_id`,
    [tenantId, row.blob_id, row.blob_key, row.size, row.device_id]);
  return rows.length > 0;
}

export interface SnapshotRow {
  snapshot_id: string;
  seq: number;
  epoch: number;
  blob_key: string;
  size: number;
  device_id: string | null;
  created_at: Date;
}

const SNAPSHOT_COLS = `snapshot_id, seq::float8 AS seq, epoch, blob_key, size::float8 AS size, device_id, created_at`;

export async function insertSnapshot(db: SqlRunner, tenantId: string, row: Omit<SnapshotRow, 'created_at'>): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO e2e_snapshots (tenant_id, snapshot_id, seq, epoch, blob_key, size, device_id) VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (tenant_id, snapshot_id) DO NOTHING RETURNING snapshot_id`,
    [tenantId, row.snapshot_id, row.seq, row.epoch, row.blob_key, row.size, row.device_id]);
  return rows.length > 0;
}

/** Snapshots newest first (by the log position they cover). */
export function listSnapshots(db: SqlRunner, tenantId: string, limit: number, offset = 0): Promise<SnapshotRow[]> {
  return db.query<SnapshotRow>(
    `SELECT ${SNAPSHOT_COLS} FROM e2e_snapshots WHERE tenant_id = $1 ORDER BY seq DESC, created_at DESC LIMIT $2 OFFSET $3`,
    [tenantId, limit, offset]);
}

export async function findSnapshot(db: SqlRunner, tenantId: string, id: string): Promise<SnapshotRow | null> {
  const rows = await db.query<SnapshotRow>(`SELECT ${SNAPSHOT_COLS} FROM e2e_snapshots WHERE tenant_id = $1 AND snapshot_id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

export async function deleteSnapshot(db: SqlRunner, tenantId: string, id: string): Promise<void> {
  await db.query(`DELETE FROM e2e_snapshots WHERE tenant_id = $1 AND snapshot_id = $2`, [tenantId, id]);
}

/** Counts and sizes of what the relay holds for a vault. */
export async function relayCounts(db: SqlRunner, tenantId: string): Promise<{ records: number; blobs: number; blob_bytes: number; epoch: number | null }> {
  const rows = await db.query<{ records: number; blobs: number; blob_bytes: number; epoch: number | null }>(
    `SELECT (SELECT count(*) FROM e2e_records WHERE tenant_id = $1)::float8 AS records,
            (SELECT count(*) FROM e2e_blobs WHERE tenant_id = $1)::float8 AS blobs,
            (SELECT coalesce(sum(size), 0) FROM e2e_blobs WHERE tenant_id = $1)::float8 AS blob_bytes,
            (SELECT max(epoch) FROM e2e_envelopes WHERE tenant_id = $1) AS epoch`, [tenantId]);
  return rows[0] ?? { records: 0, blobs: 0, blob_bytes: 0, epoch: null };
}

export interface EnvelopeRow {
  recipient: string;
  epoch: number;
  wrapped: Uint8Array;
  created_by: string | null;
  created_at: Date;
}

/** One recipient's envelopes, oldest epoch first. */
export function envelopesFor(db: SqlRunner, tenantId: string, recipient: string): Promise<EnvelopeRow[]> {
  return db.query<EnvelopeRow>(
    `SELECT recipient, epoch, wrapped, created_by, created_at FROM e2e_envelopes WHERE tenant_id = $1 AND recipient = $2 ORDER BY epoch`,
    [tenantId, recipient]);
}

/** Insert envelopes; false (and nothing written, the caller rolls back) when one exists already. */
export async function insertEnvelope(tx: SqlRunner, tenantId: string, e: { recipient: string; epoch: number; wrapped: Uint8Array; created_by: string | null }): Promise<boolean> {
  const rows = await tx.query(
    `INSERT INTO e2e_envelopes (tenant_id, recipient, epoch, wrapped, created_by) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING RETURNING epoch`,
    [tenantId, e.recipient, e.epoch, e.wrapped, e.created_by]);
  return rows.length > 0;
}

/** The newest epoch with an envelope (null before the vault's first keys), under a lock when in a transaction. */
export async function currentEpoch(db: SqlRunner, tenantId: string): Promise<number | null> {
  const rows = await db.query<{ epoch: number | null }>(`SELECT max(epoch) AS epoch FROM e2e_envelopes WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.epoch ?? null;
}

/** The tenant's active devices, by id (envelopes go to those only). */
export async function activeDeviceIds(db: SqlRunner, tenantId: string, ids: readonly string[]): Promise<Set<string>> {
  const rows = await db.query<{ id: string }>(
    `SELECT id FROM devices WHERE tenant_id = $1 AND status = 'active' AND id = ANY($2::uuid[])`, [tenantId, [...ids]]);
  return new Set(rows.map((r) => r.id));
}

/** Publish (or replace) a device's X25519 public key. */
export async function upsertDeviceKey(db: SqlRunner, tenantId: string, deviceId: string, publicKey: string): Promise<void> {
  await db.query(
    `INSERT INTO e2e_device_keys (tenant_id, device_id, public_key) VALUES ($1, $2, $3)
     ON CONFLICT (tenant_id, device_id) DO UPDATE SET public_key = EXCLUDED.public_key, created_at = now()`,
    [tenantId, deviceId, publicKey]);
}

/** Published keys of the tenant's active devices. */
export function activeDeviceKeys(db: SqlRunner, tenantId: string): Promise<{ device_id: string; public_key: string; created_at: Date }[]> {
  return db.query(
    `SELECT k.device_id, k.public_key, k.created_at FROM e2e_device_keys k
       JOIN devices d ON d.id = k.device_id AND d.tenant_id = k.tenant_id
      WHERE k.tenant_id = $1 AND d.status = 'active' ORDER BY k.created_at`, [tenantId]);
}
