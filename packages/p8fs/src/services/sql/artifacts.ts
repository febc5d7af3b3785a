import type { SqlRunner } from '../../ports/db.js';

/** A file_artifacts row. */
export interface ArtifactRow {
  file_id: string;
  name: string;
  role: 'thumbnail' | 'keyframe';
  mime_type: string;
  size: number;
  blob_key: string;
  metadata: Record<string, unknown>;
}

const COLS = 'file_id, name, role, mime_type, size::float8 AS size, blob_key, metadata';

/** A file's artifacts, thumbnail first. */
export function listArtifacts(db: SqlRunner, tenantId: string, fileId: string): Promise<ArtifactRow[]> {
  return db.query<ArtifactRow>(
    `SELECT ${COLS} FROM file_artifacts WHERE tenant_id = $1 AND file_id = $2 ORDER BY role DESC, name`, [tenantId, fileId]);
}

/** One artifact of a file by name, or null. */
export async function getArtifact(db: SqlRunner, tenantId: string, fileId: string, name: string): Promise<ArtifactRow | null> {
  const rows = await db.query<ArtifactRow>(
    `SELECT ${COLS} FROM file_artifacts WHERE tenant_id = $1 AND file_id = $2 AND name = $3`, [tenantId, fileId, name]);
  return rows[0] ?? null;
}

/** Replace a file's artifacts with a new set; returns the blob keys no longer referenced by it. */
export async function replaceArtifacts(
  db: SqlRunner,
  tenantId: string,
  fileId: string,
  rows: Omit<ArtifactRow, 'file_id'>[],
): Promise<string[]> {
  const old = await db.query<{ blob_key: string }>(
    `DELETE FROM file_artifacts WHERE tenant_id = $1 AND file_id = $2 RETURNING blob_key`, [tenantId, fileId]);
  for (const r of rows) {
    await db.query(
      `INSERT INTO file_artifacts (tenant_id, file_id, name, role, mime_type, size, blob_key, metadata)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [tenantId, fileId, r.name, r.role, r.mime_type, r.size, r.blob_key, JSON.stringify(r.metadata)]);
  }
  const kept = new Set(rows.map((r) => r.blob_key));
  return old.map((o) => o.blob_key).filter((k) => !kept.has(k));
}
