import type { SqlRunner } from '../../ports/db.js';

// The blob ledger (migration 0011): one row per stored blob and how it is encrypted.

/** A blobs row. data_key_id null = a plaintext blob from before encryption at rest. */
export interface BlobRow {
  blob_key: string;
  data_key_id: string | null;
  nonce: Uint8Array | null;
  size: number | null;
  created_at: Date;
}

export async function findBlob(db: SqlRunner, tenantId: string, key: string): Promise<BlobRow | null> {
  const rows = await db.query<BlobRow>(
    `SELECT blob_key, data_key_id, nonce, size::float8 AS size, created_at FROM blobs WHERE tenant_id = $1 AND blob_key = $2`, [tenantId, key]);
  return rows[0] ?? null;
}

/** Record an encrypted blob (idempotent: the key is the ciphertext's hash, so a second row would be the same). */
export async function recordBlob(db: SqlRunner, tenantId: string, key: string, dataKeyId: string, nonce: Uint8Array, size: number): Promise<void> {
  await db.query(
    `INSERT INTO blobs (tenant_id, blob_key, data_key_id, nonce, size) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
    [tenantId, key, dataKeyId, nonce, size]);
}

export async function forgetBlob(db: SqlRunner, tenantId: string, key: string): Promise<void> {
  await db.query(`DELETE FROM blobs WHERE tenant_id = $1 AND blob_key = $2`, [tenantId, key]);
}

/** Blobs of a tenant not on `activeKeyId` (plaintext, or an older epoch), oldest first, after `after`. */
export function blobsOffKey(db: SqlRunner, tenantId: string, activeKeyId: string, limit: number, after = ''): Promise<BlobRow[]> {
  return db.query<BlobRow>(
    `SELECT blob_key, data_key_id, nonce, size::float8 AS size, created_at FROM blobs
      WHERE tenant_id = $1 AND (data_key_id IS NULL OR data_key_id <> $2) AND blob_key > $3
      ORDER BY blob_key LIMIT $4`,
    [tenantId, activeKeyId, after, limit]);
}

/** Tenants with blobs that are plaintext or on a retired data key: what the blobs.encrypt job has to do. */
export async function tenantsNeedingEncryption(db: SqlRunner): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT b.tenant_id FROM blobs b
      WHERE b.data_key_id IS NULL
         OR NOT EXISTS (SELECT 1 FROM data_keys k WHERE k.id = b.data_key_id AND k.state = 'active')
      ORDER BY 1`);
  return rows.map((r) => r.tenant_id);
}

/** Per tenant: plaintext blobs left (keys status). */
export function plaintextCounts(db: SqlRunner, tenantId?: string): Promise<{ tenant_id: string; blobs: number }[]> {
  return db.query(
    `SELECT tenant_id, count(*)::int AS blobs FROM blobs WHERE data_key_id IS NULL AND ($1::text IS NULL OR tenant_id = $1)
      GROUP BY tenant_id ORDER BY tenant_id`, [tenantId ?? null]);
}

/**
 * A blob of the tenant that already holds this plaintext (same content hash) and is encrypted,
 * other than `exceptKey`: the oldest file's. The file row is locked FOR SHARE, so a delete of that
 * file waits for the caller's transaction and its release then sees the new reference.
 */
export async function sameContentBlob(db: SqlRunner, tenantId: string, contentHash: string, exceptKey: string): Promise<string | null> {
  const rows = await db.query<{ blob_key: string }>(
    `SELECT f.blob_key FROM files f JOIN blobs b ON b.tenant_id = f.tenant_id AND b.blob_key = f.blob_key
      WHERE f.tenant_id = $1 AND f.content_hash = $2 AND f.blob_key <> $3 AND b.data_key_id IS NOT NULL
      ORDER BY f.created_at, f.id LIMIT 1 FOR SHARE OF f`,
    [tenantId, contentHash, exceptKey]);
  return rows[0]?.blob_key ?? null;
}

/** Point every file, artifact and E2E relay blob or snapshot of the tenant at `to` instead of `from` (re-encryption); returns how many rows moved. */
export async function moveBlobRefs(db: SqlRunner, tenantId: string, from: string, to: string): Promise<number> {
  const a = await db.query<{ id: string }>(`UPDATE files SET blob_key = $3 WHERE tenant_id = $1 AND blob_key = $2 RETURNING id`, [tenantId, from, to]);
  const b = await db.query<{ name: string }>(
    `UPDATE file_artifacts SET blob_key = $3 WHERE tenant_id = $1 AND blob_key = $2 RETURNING name`, [tenantId, from, to]);
  const c = await db.query(`UPDATE e2e_blobs SET blob_key = $3 WHERE tenant_id = $1 AND blob_key = $2 RETURNING blob_id`, [tenantId, from, to]);
  const d = await db.query(`UPDATE e2e_snapshots SET blob_key = $3 WHERE tenant_id = $1 AND blob_key = $2 RETURNING snapshot_id`, [tenantId, from, to]);
  return a.length + b.length + c.length + d.length;
}

/**
 * Lock the files that use a blob and say whether any is being parsed (pending or processing): its
 * job read the blob key already, so moving the blob now would pull it from under the parser.
 */
export async function lockBlobUsers(db: SqlRunner, tenantId: string, key: string): Promise<{ busy: boolean; users: number }> {
  const rows = await db.query<{ status: string }>(
    `SELECT status FROM files WHERE tenant_id = $1 AND blob_key = $2 FOR UPDATE`, [tenantId, key]);
  const arts = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM file_artifacts WHERE tenant_id = $1 AND blob_key = $2)
          + (SELECT count(*) FROM e2e_blobs WHERE tenant_id = $1 AND blob_key = $2)
          + (SELECT count(*) FROM e2e_snapshots WHERE tenant_id = $1 AND blob_key = $2) AS n`, [tenantId, key]);
  return { busy: rows.some((r) => r.status === 'pending' || r.status === 'processing'), users: rows.length + Number(arts[0]?.n ?? 0) };
}
