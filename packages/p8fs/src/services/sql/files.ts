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
  /** The container this file was found in (archive, e-mail, mailbox), or null for an upload. */
  parent_id: string | null;
  /** 0 for an upload, parent's depth + 1 for a member. */
  depth: number;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date | null;
}

const COLS = `id, tenant_id, name, uri, size::float8 AS size, mime_type, content_hash, blob_key, status,
  error_code, error_message, parser, parser_version, resource_count, metadata, parent_id, depth, created_at, updated_at, indexed_at`;

/** The file with this id in this tenant, or null. */
export async function getFile(db: SqlRunner, tenantId: string, id: string): Promise<FileRow | null> {
  const rows = await db.query<FileRow>(`SELECT ${COLS} FROM files WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

/** Insert or replace a file row with new content; status goes back to pending. */
export async function upsertFile(
  db: SqlRunner,
  f: Pick<FileRow, 'id' | 'tenant_id' | 'name' | 'uri' | 'size' | 'mime_type' | 'content_hash' | 'blob_key' | 'metadata'> &
    Partial<Pick<FileRow, 'parent_id' | 'depth'>>,
): Promise<FileRow> {
  const rows = await db.query<FileRow>(
    `INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key, metadata, status, parent_id, depth)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, $11)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, size = EXCLUDED.size, mime_type = EXCLUDED.mime_type,
       content_hash = EXCLUDED.content_hash, blob_key = EXCLUDED.blob_key, metadata = files.metadata || EXCLUDED.metadata,
       status = 'pending', error_code = NULL, error_message = NULL, parent_id = EXCLUDED.parent_id, depth = EXCLUDED.depth,
       updated_at = now()
     WHERE files.tenant_id = EXCLUDED.tenant_id
     RETURNING ${COLS}`,
    [f.id, f.tenant_id, f.name, f.uri, f.size, f.mime_type, f.content_hash, f.blob_key, JSON.stringify(f.metadata),
      f.parent_id ?? null, f.depth ?? 0],
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
  /** Only the direct members of this container. */
  parent_id?: string | undefined;
}

/** A page of a tenant's files, newest first, with the total count. */
export async function listFiles(db: SqlRunner, tenantId: string, f: FileFilter): Promise<{ rows: FileRow[]; total: number }> {
  const where = `tenant_id = $1 AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR uri ILIKE '%' || $3 || '%' OR name ILIKE '%' || $3 || '%')
    AND ($4::text IS NULL OR uri = $4) AND ($5::text IS NULL OR mime_type = $5) AND ($6::uuid IS NULL OR parent_id = $6)`;
  const params = [tenantId, f.status ?? null, f.q ?? null, f.uri ?? null, f.mime_type ?? null, f.parent_id ?? null];
  const rows = await db.query<FileRow>(
    `SELECT ${COLS} FROM files WHERE ${where} ORDER BY created_at DESC, id LIMIT $7 OFFSET $8`,
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

/**
 * How many of the tenant's files and artifacts still point at a blob (content-addressed blobs are
 * shared), and E2E relay blobs and snapshots (decision 0018), which nothing else references.
 */
export async function countBlobRefs(db: SqlRunner, tenantId: string, blobKey: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT (SELECT count(*) FROM files WHERE tenant_id = $1 AND blob_key = $2)
          + (SELECT count(*) FROM file_artifacts WHERE tenant_id = $1 AND blob_key = $2)
          + (SELECT count(*) FROM e2e_blobs WHERE tenant_id = $1 AND blob_key = $2)
          + (SELECT count(*) FROM e2e_snapshots WHERE tenant_id = $1 AND blob_key = $2) AS n`,
    [tenantId, blobKey]);
  return Number(rows[0]?.n ?? 0);
}

/** Blob keys of a file, its descendants and their artifacts: what deleting the file may free. */
export async function subtreeBlobKeys(db: SqlRunner, tenantId: string, id: string): Promise<string[]> {
  const rows = await db.query<{ blob_key: string }>(
    `WITH RECURSIVE tree AS (
       SELECT id FROM files WHERE tenant_id = $1 AND id = $2
       UNION ALL
       SELECT f.id FROM files f JOIN tree t ON f.parent_id = t.id WHERE f.tenant_id = $1
     )
     SELECT blob_key FROM files WHERE tenant_id = $1 AND id IN (SELECT id FROM tree)
     UNION
     SELECT blob_key FROM file_artifacts WHERE tenant_id = $1 AND file_id IN (SELECT id FROM tree)`,
    [tenantId, id]);
  return rows.map((r) => r.blob_key);
}

/** Direct members of a container: id and uri, to find the ones a new version no longer has. */
export async function listChildren(db: SqlRunner, tenantId: string, parentId: string): Promise<{ id: string; uri: string }[]> {
  return db.query<{ id: string; uri: string }>(`SELECT id, uri FROM files WHERE tenant_id = $1 AND parent_id = $2`, [tenantId, parentId]);
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

/** Which files to process again. */
export interface ReprocessFilter {
  ids?: string[] | undefined;
  /** Files parsed by an older version of their parser than `current` has. */
  stale?: { current: Record<string, number> } | undefined;
  /** Failed files (e.g. after installing a missing tool). */
  failed?: boolean | undefined;
}

/** Set the matching files back to pending and return their ids (the caller queues them). */
export async function markForReprocess(db: SqlRunner, tenantId: string, f: ReprocessFilter): Promise<string[]> {
  const current = f.stale ? JSON.stringify(f.stale.current) : null;
  const rows = await db.query<{ id: string }>(
    `UPDATE files SET status = 'pending', error_code = NULL, error_message = NULL, updated_at = now()
     WHERE tenant_id = $1 AND status <> 'processing' AND (
       ($2::uuid[] IS NOT NULL AND id = ANY($2::uuid[]))
       OR ($3::jsonb IS NOT NULL AND parser IS NOT NULL AND parser_version < coalesce(($3::jsonb ->> parser)::int, parser_version))
       OR ($4::boolean AND status = 'failed'))
     RETURNING id`,
    [tenantId, f.ids && f.ids.length > 0 ? f.ids : null, current, f.failed ?? false],
  );
  return rows.map((r) => r.id);
}
