import type { SqlRunner } from '../../ports/db.js';

/** Filters every retriever applies, always together with the tenant. */
export interface SearchFilterSql {
  categories: string[] | null;
  fileIds: string[] | null;
  from: Date | null;
  to: Date | null;
}

export interface Candidate {
  id: string;
  score: number;
}

// Parameters $2..$5 are the filters in every statement below.
const FILTERS = `($2::text[] IS NULL OR r.category = ANY($2::text[]))
  AND ($3::uuid[] IS NULL OR r.file_id = ANY($3::uuid[]))
  AND ($4::timestamptz IS NULL OR coalesce(r.resource_timestamp, r.created_at) >= $4)
  AND ($5::timestamptz IS NULL OR coalesce(r.resource_timestamp, r.created_at) <= $5)`;

const filterParams = (f: SearchFilterSql) => [f.categories, f.fileIds, f.from, f.to];

/** The stemmed lexemes of a query, stop words removed (the same analysis as the index). */
export async function queryLexemes(db: SqlRunner, text: string): Promise<string[]> {
  const rows = await db.query<{ lex: string }>(`SELECT unnest(tsvector_to_array(to_tsvector('english', $1))) AS lex`, [text]);
  return rows.map((r) => r.lex);
}

/**
 * Keyword retrieval scored like BM25: each matched lexeme contributes its IDF times a saturating,
 * length-normalised term weight (ts_rank over the A/B/C-weighted document). PostgreSQL's ts_rank
 * alone has no IDF, which ranks "the"-like words as high as rare names.
 */
export async function keywordCandidates(
  db: SqlRunner, tenantId: string, lexemes: readonly string[], f: SearchFilterSql, limit: number, weights: readonly number[],
): Promise<Candidate[]> {
  if (lexemes.length === 0) return [];
  return db.query<Candidate>(
    `WITH q AS (SELECT lex, plainto_tsquery('simple', lex) AS tq FROM unnest($6::text[]) AS lex),
     total AS (SELECT count(*)::float8 AS n FROM resources WHERE tenant_id = $1),
     idf AS (
       SELECT q.tq, ln(1 + (total.n - d.df + 0.5) / (d.df + 0.5)) AS w
       FROM q CROSS JOIN total
       CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM resources r WHERE r.tenant_id = $1 AND r.search_tsv @@ q.tq) d)
     SELECT r.id, sum(idf.w * ts_rank($7::float4[], r.search_tsv, idf.tq, 1))::float8 AS score
     FROM idf JOIN resources r ON r.search_tsv @@ idf.tq
     WHERE r.tenant_id = $1 AND ${FILTERS}
     GROUP BY r.id ORDER BY score DESC, r.id LIMIT $8`,
    [tenantId, ...filterParams(f), [...lexemes], [...weights], limit],
  );
}

/** Nearest resources by cosine similarity through the provider's HNSW index. */
export async function vectorCandidates(
  db: SqlRunner, tenantId: string, provider: { id: string; dimension: number }, vector: string, f: SearchFilterSql, limit: number,
): Promise<Candidate[]> {
  // The provider id is inlined (escaped) so the planner can match the partial HNSW index.
  const pid = provider.id.replace(/'/g, "''");
  const cast = `vector(${provider.dimension})`;
  return db.query<Candidate>(
    `SELECT r.id, (1 - (e.embedding::${cast} <=> $6::${cast}))::float8 AS score
     FROM embeddings e JOIN resources r ON r.tenant_id = e.tenant_id AND r.id = e.resource_id
     WHERE e.provider_id = '${pid}' AND e.tenant_id = $1 AND ${FILTERS}
     ORDER BY e.embedding::${cast} <=> $6::${cast} LIMIT $7`,
    [tenantId, ...filterParams(f), vector, limit],
  );
}

export interface HitRow {
  id: string;
  file_id: string | null;
  uri: string;
  name: string;
  category: string;
  content: string;
}

/** The rows of the chosen hits (tenant-scoped like everything else). */
export async function hitRows(db: SqlRunner, tenantId: string, ids: readonly string[]): Promise<HitRow[]> {
  if (ids.length === 0) return [];
  return db.query<HitRow>(
    `SELECT id, file_id, uri, name, category, content FROM resources WHERE tenant_id = $1 AND id = ANY($2::uuid[])`,
    [tenantId, [...ids]]);
}
