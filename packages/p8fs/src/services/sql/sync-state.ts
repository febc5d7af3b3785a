import type { SqlRunner } from '../../ports/db.js';

// The device side of an end-to-end vault (migration 0012): what this replica last pushed or applied
// per object, and where it stands in the relay's log.

/** A sync_state row: the winning record of one object, and the digest of the local object then. */
export interface SyncStateRow {
  object_key: string;
  kind: 'file' | 'moment' | 'edge';
  hlc: string;
  device_id: string;
  deleted: boolean;
  /** Digest of the local object as it stood after the push or apply; null for a tombstone. */
  digest: string | null;
  /** The record's plaintext (it never leaves the device except sealed). */
  record: Record<string, unknown>;
}

/** Every object's state, by key. */
export async function loadSyncState(db: SqlRunner, tenantId: string): Promise<Map<string, SyncStateRow>> {
  const rows = await db.query<SyncStateRow>(
    `SELECT object_key, kind, hlc, device_id, deleted, digest, record FROM sync_state WHERE tenant_id = $1`, [tenantId]);
  return new Map(rows.map((r) => [r.object_key, r]));
}

/** Record objects' new state (after a push or an apply). */
export async function saveSyncState(db: SqlRunner, tenantId: string, rows: readonly SyncStateRow[]): Promise<void> {
  for (const r of rows) {
    await db.query(
      `INSERT INTO sync_state (tenant_id, object_key, kind, hlc, device_id, deleted, digest, record, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, now())
       ON CONFLICT (tenant_id, object_key) DO UPDATE SET kind = EXCLUDED.kind, hlc = EXCLUDED.hlc, device_id = EXCLUDED.device_id,
         deleted = EXCLUDED.deleted, digest = EXCLUDED.digest, record = EXCLUDED.record, updated_at = now()`,
      [tenantId, r.object_key, r.kind, r.hlc, r.device_id, r.deleted, r.digest, JSON.stringify(r.record)]);
  }
}

/** Where the replica stands in the log. */
export interface ReplicaRow {
  cursor_seq: number;
  hlc: string;
  snapshot_seq: number;
}

export async function loadReplica(db: SqlRunner, tenantId: string): Promise<ReplicaRow> {
  const rows = await db.query<ReplicaRow>(
    `SELECT cursor_seq::float8 AS cursor_seq, hlc, snapshot_seq::float8 AS snapshot_seq FROM sync_replica WHERE tenant_id = $1`, [tenantId]);
  return rows[0] ?? { cursor_seq: 0, hlc: '', snapshot_seq: 0 };
}

export async function saveReplica(db: SqlRunner, tenantId: string, r: ReplicaRow): Promise<void> {
  await db.query(
    `INSERT INTO sync_replica (tenant_id, cursor_seq, hlc, snapshot_seq, updated_at) VALUES ($1, $2, $3, $4, now())
     ON CONFLICT (tenant_id) DO UPDATE SET cursor_seq = EXCLUDED.cursor_seq, hlc = EXCLUDED.hlc, snapshot_seq = EXCLUDED.snapshot_seq, updated_at = now()`,
    [tenantId, r.cursor_seq, r.hlc, r.snapshot_seq]);
}

/** Local top-level files (members of archives and e-mails are derived: their container is synced). */
export interface LocalFileRow {
  id: string;
  uri: string;
  name: string;
  mime_type: string;
  content_hash: string;
  size: number;
  metadata: Record<string, unknown>;
}

export function localFiles(db: SqlRunner, tenantId: string, uri?: string): Promise<LocalFileRow[]> {
  return db.query<LocalFileRow>(
    `SELECT id, uri, name, mime_type, content_hash, size::float8 AS size, metadata FROM files
      WHERE tenant_id = $1 AND parent_id IS NULL AND ($2::text IS NULL OR uri = $2)`, [tenantId, uri ?? null]);
}

/** Moments as written (their search mirrors and edges are derived). */
export function localMoments(db: SqlRunner, tenantId: string, name?: string): Promise<Record<string, unknown>[]> {
  return db.query(
    `SELECT id, name, content, summary, moment_type, starts_at, ends_at, present_persons, speakers, location, emotion_tags, topic_tags, metadata
       FROM moments WHERE tenant_id = $1 AND ($2::text IS NULL OR name = $2)`, [tenantId, name ?? null]);
}

/** Edges a person wrote (origin user); every other origin is derived from files or moments. */
export function localUserEdges(db: SqlRunner, tenantId: string): Promise<{ src_label: string; rel_type: string; dst_label: string; weight: number; properties: Record<string, unknown> }[]> {
  return db.query(
    `SELECT src_label, rel_type, dst_label, weight::float8 AS weight, properties FROM edges WHERE tenant_id = $1 AND origin = 'user'`, [tenantId]);
}

/** Pending or processing files: the device has ingestion work left. */
export async function filesInFlight(db: SqlRunner, tenantId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM files WHERE tenant_id = $1 AND status IN ('pending', 'processing')`, [tenantId]);
  return rows[0]?.n ?? 0;
}
