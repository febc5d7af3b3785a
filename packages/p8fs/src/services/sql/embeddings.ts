import { AppError } from '../../domain/errors.js';
import type { Db, SqlRunner } from '../../ports/db.js';

/** pgvector's text form of a vector. */
export function toVectorLiteral(v: ArrayLike<number>): string {
  let s = '[';
  for (let i = 0; i < v.length; i++) s += (i ? ',' : '') + (v[i] as number).toPrecision(7);
  return `${s}]`;
}

/** Name of the HNSW index of one provider (identifier-safe, unique per provider id). */
export function hnswIndexName(providerId: string, hash: string): string {
  return `embeddings_hnsw_${providerId.toLowerCase().replace(/[^a-z0-9]+/g, '_').slice(0, 30)}_${hash.slice(0, 8)}`;
}

/**
 * Record a provider and its dimension, and make sure its HNSW index exists. A provider already
 * recorded with another dimension is refused: vectors of two sizes never mix under one id.
 */
export async function registerProvider(db: Db, id: string, dimension: number, idHash: string): Promise<void> {
  await db.query(`INSERT INTO embedding_providers (id, dimension) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING`, [id, dimension]);
  const rows = await db.query<{ dimension: number }>(`SELECT dimension FROM embedding_providers WHERE id = $1`, [id]);
  const recorded = rows[0]?.dimension;
  if (recorded !== dimension) {
    throw new AppError('embedder.dimension_mismatch',
      `embedding provider ${id} was recorded with ${recorded} dimensions but now returns ${dimension}; ` +
      'use a new provider id (model name) for a model with another size');
  }
  const literal = id.replace(/'/g, "''");
  await db.exec(
    `CREATE INDEX IF NOT EXISTS ${hnswIndexName(id, idHash)} ON embeddings
       USING hnsw ((embedding::vector(${dimension})) vector_cosine_ops) WHERE provider_id = '${literal}'`,
  );
}

export interface PendingResource {
  id: string;
  content: string;
  content_hash: string;
  metadata: Record<string, unknown>;
}

/** Resources of a tenant (optionally one file) with no current embedding from this provider. */
export async function pendingResources(db: SqlRunner, tenantId: string, providerId: string, fileId: string | null, limit: number): Promise<PendingResource[]> {
  return db.query<PendingResource>(
    `SELECT r.id, r.content, r.content_hash, r.metadata FROM resources r
     LEFT JOIN embeddings e ON e.tenant_id = r.tenant_id AND e.resource_id = r.id AND e.provider_id = $2
     WHERE r.tenant_id = $1 AND ($3::uuid IS NULL OR r.file_id = $3)
       AND (e.resource_id IS NULL OR e.content_hash <> r.content_hash)
     ORDER BY r.file_id, r.ordinal LIMIT $4`,
    [tenantId, providerId, fileId, limit],
  );
}

/** Count of resources still waiting for an embedding from this provider. */
export async function countPending(db: SqlRunner, providerId: string, tenantId?: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM resources r
     LEFT JOIN embeddings e ON e.tenant_id = r.tenant_id AND e.resource_id = r.id AND e.provider_id = $1
     WHERE ($2::text IS NULL OR r.tenant_id = $2) AND (e.resource_id IS NULL OR e.content_hash <> r.content_hash)`,
    [providerId, tenantId ?? null],
  );
  return rows[0]?.n ?? 0;
}

/** Tenants that have resources without a current embedding from this provider. */
export async function tenantsWithPending(db: SqlRunner, providerId: string): Promise<string[]> {
  const rows = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT r.tenant_id FROM resources r
     LEFT JOIN embeddings e ON e.tenant_id = r.tenant_id AND e.resource_id = r.id AND e.provider_id = $1
     WHERE e.resource_id IS NULL OR e.content_hash <> r.content_hash`,
    [providerId],
  );
  return rows.map((r) => r.tenant_id);
}

/** Cached vectors (text form) for these content hashes. */
export async function cachedVectors(db: SqlRunner, tenantId: string, providerId: string, hashes: readonly string[]): Promise<Map<string, string>> {
  if (hashes.length === 0) return new Map();
  const rows = await db.query<{ content_hash: string; embedding: string }>(
    `SELECT content_hash, embedding::text AS embedding FROM embedding_cache
     WHERE tenant_id = $1 AND provider_id = $2 AND content_hash = ANY($3::text[])`,
    [tenantId, providerId, [...hashes]],
  );
  return new Map(rows.map((r) => [r.content_hash, r.embedding]));
}

/** Store vectors for resources and in the cache, in one statement each. */
export async function storeEmbeddings(
  db: SqlRunner,
  tenantId: string,
  providerId: string,
  dimension: number,
  rows: readonly { resourceId: string; contentHash: string; vector: string }[],
): Promise<void> {
  if (rows.length === 0) return;
  await db.query(
    `INSERT INTO embeddings (tenant_id, resource_id, provider_id, content_hash, dimension, embedding)
     SELECT $1, r.id, $2, r.h, $3, r.v::vector FROM unnest($4::uuid[], $5::text[], $6::text[]) AS r(id, h, v)
     ON CONFLICT (tenant_id, resource_id, provider_id) DO UPDATE
       SET content_hash = EXCLUDED.content_hash, embedding = EXCLUDED.embedding, created_at = now()`,
    [tenantId, providerId, dimension, rows.map((r) => r.resourceId), rows.map((r) => r.contentHash), rows.map((r) => r.vector)],
  );
  await db.query(
    `INSERT INTO embedding_cache (tenant_id, provider_id, content_hash, embedding)
     SELECT DISTINCT ON (r.h) $1, $2, r.h, r.v::vector FROM unnest($3::text[], $4::text[]) AS r(h, v)
     ON CONFLICT DO NOTHING`,
    [tenantId, providerId, rows.map((r) => r.contentHash), rows.map((r) => r.vector)],
  );
}

/** Count of a tenant's embeddings from this provider. */
export async function countEmbeddings(db: SqlRunner, tenantId: string, providerId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM embeddings WHERE tenant_id = $1 AND provider_id = $2`, [tenantId, providerId]);
  return rows[0]?.n ?? 0;
}
