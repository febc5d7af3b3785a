import type { FileStatus } from '@p8fs/contracts';
import type { SqlRunner } from '../../ports/db.js';

/** A files row as stored. */
export interface FileRow {
  id: string;
  tenant_id: string;
  name: string;
  uri: string;
  size: number;
  mime_type: string;
  content_hash: string;
  blob_key: string;
  status: FileStatus;
  error_code: string | null;
  error_message: string | null;
  parser: string | null;
  parser_version: number | null;
  resource_count: number;
  metadata: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date | null;
}

const COLS = `id, tenant_id, name, uri, size::float8 AS size, mime_type, content_hash, blob_key, status,
  error_code, error_message, parser, parser_version, resource_count, metadata, created_at, updated_at, indexed_at`;

/** The file with this id in this tenant, or null. */
export async function getFile(db: SqlRunner, tenantId: string, id: string): Promise<FileRow | null> {
  const rows = await db.query<FileRow>(`SELECT ${COLS} FROM files WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

/** Insert or replace a file row with new content; status goes back to pending. */
export async function upsertFile(
  db: SqlRunner,
  f: Pick<FileRow, 'id' | 'tenant_id' | 'name' | 'uri' | 'size' | 'mime_type' | 'content_hash' | 'blob_key' | 'metadata'>,
): Promise<FileRow> {
  const rows = await db.query<FileRow>(
    `INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key, metadata, status)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending')
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, size = EXCLUDED.size, mime_type = EXCLUDED.mime_type,
       content_hash = EXCLUDED.content_hash, blob_key = EXCLUDED.blob_key, metadata = files.metadata || EXCLUDED.metadata,
       status = 'pending', error_code = NULL, error_message = NULL, updated_at = now()
     WHERE files.tenant_id = EXCLUDED.tenant_id
     RETURNING ${COLS}`,
    [f.id, f.tenant_id, f.name, f.uri, f.size, f.mime_type, f.content_hash, f.blob_key, JSON.stringify(f.metadata)],
  );
  const row = rows[0];
  if (!row) throw new Error('file id collides with another tenant');
  return row;
}

export interface FileFilter {
  limit: number;
  offset: number;
  status?: FileStatus | undefined;
  q?: string | undefined;
  uri?: string | undefined;
  mime_type?: string | undefined;
}

/** A page of a tenant's files, newest first, with the total count. */
export async function listFiles(db: SqlRunner, tenantId: string, f: FileFilter): Promise<{ rows: FileRow[]; total: number }> {
  const where = `tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR uri ILIKE '%' || $3 || '%' OR name ILIKE '%' || $3 || '%')
    AND ($4::text IS NULL OR uri = $4) AND ($5::text IS NULL OR mime_type = $5)`;
  const params = [tenantId, f.status ?? null, f.q ?? null, f.uri ?? null, f.mime_type ?? null];
  const rows = await db.query<FileRow>(
    `SELECT ${COLS} FROM files WHERE ${where} ORDER BY created_at DESC, id LIMIT $6 OFFSET $7`,
    [...params, f.limit, f.offset],
  );
  const total = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM files WHERE ${where}`, params);
  return { rows, total: total[0]?.n ?? 0 };
}

/** Move a file to a new status; error fields are cleared unless given. */
export async function setFileStatus(
  db: SqlRunner,
  tenantId: string,
  id: string,
  status: FileStatus,
  extra: { error?: { code: string; message: string }; parser?: { id: string; version: number }; resourceCount?: number; metadata?: Record<string, unknown> } = {},
): Promise<void> {
  await db.query(
    `UPDATE files SET status = $3, error_code = $4, error_message = $5,
       parser = coalesce($6, parser), parser_version = coalesce($7, parser_version),
       resource_count = coalesce($8, resource_count), metadata = metadata || coalesce($9::jsonb, '{}'::jsonb),
       indexed_at = CASE WHEN $3 = 'indexed' THEN now() ELSE indexed_at END, updated_at = now()
     WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, status, extra.error?.code ?? null, extra.error?.message ?? null, extra.parser?.id ?? null,
      extra.parser?.version ?? null, extra.resourceCount ?? null, extra.metadata ? JSON.stringify(extra.metadata) : null],
  );
}

/** Delete a file row (its resources and embeddings cascade); returns the row deleted. */
export async function deleteFile(db: SqlRunner, tenantId: string, id: string): Promise<FileRow | null> {
  const rows = await db.query<FileRow>(`DELETE FROM files WHERE tenant_id = $1 AND id = $2 RETURNING ${COLS}`, [tenantId, id]);
  return rows[0] ?? null;
}

/** How many of the tenant's files still point at a blob (content-addressed blobs are shared). */
export async function countBlobRefs(db: SqlRunner, tenantId: string, blobKey: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM files WHERE tenant_id = $1 AND blob_key = $2`, [tenantId, blobKey]);
  return rows[0]?.n ?? 0;
}

/** Number of files per status for a tenant. */
export async function fileStatusCounts(db: SqlRunner, tenantId: string): Promise<Record<string, number>> {
  const rows = await db.query<{ status: string; n: number }>(
    `SELECT status, count(*)::int AS n FROM files WHERE tenant_id = $1 GROUP BY status`, [tenantId]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

/** Record what processing found (real type, parser, metadata, chunk count); status stays processing. */
export async function recordParse(
  db: SqlRunner,
  tenantId: string,
  id: string,
  p: { mimeType: string; parser: { id: string; version: number }; resourceCount: number; metadata: Record<string, unknown> },
): Promise<void> {
  await db.query(
    `UPDATE files SET mime_type = $3, parser = $4, parser_version = $5, resource_count = $6,
       metadata = metadata || $7::jsonb, updated_at = now()
     WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id, p.mimeType, p.parser.id, p.parser.version, p.resourceCount, JSON.stringify(p.metadata)],
  );
}

/** processing -> indexed, only if nothing newer was uploaded meanwhile (status would be pending). */
export async function markIndexed(db: SqlRunner, tenantId: string, id: string, contentHash: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE files SET status = 'indexed', indexed_at = now(), updated_at = now(), error_code = NULL, error_message = NULL
     WHERE tenant_id = $1 AND id = $2 AND status = 'processing' AND content_hash = $3 RETURNING id`,
    [tenantId, id, contentHash],
  );
  return rows.length > 0;
}

/** Lock a file row inside a transaction and return its current content hash. */
export async function lockFileHash(db: SqlRunner, tenantId: string, id: string): Promise<string | null> {
  const rows = await db.query<{ content_hash: string }>(
    `SELECT content_hash FROM files WHERE tenant_id = $1 AND id = $2 FOR UPDATE`, [tenantId, id]);
  return rows[0]?.content_hash ?? null;
}
