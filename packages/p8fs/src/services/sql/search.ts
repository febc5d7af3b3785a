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

/**
 * The distinct stemmed lexemes of a query in order of appearance, stop words removed: the same
 * analysis as the index ('english'). At most maxTerms, so a pasted page cannot fan out into
 * hundreds of index probes.
 */
export async function queryLexemes(db: SqlRunner, text: string, maxTerms = 64): Promise<string[]> {
  const rows = await db.query<{ lex: string }>(
    `SELECT u.lexeme AS lex FROM unnest(to_tsvector('english', $1)) AS u ORDER BY u.positions[1], u.lexeme LIMIT $2`,
    [text, maxTerms],
  );
  return rows.map((r) => r.lex);
}

/** A lexeme as a tsquery literal: quoted, so operators and colons in it stay plain text. */
export function tsqueryLiteral(lexeme: string): string {
  return `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * Keyword retrieval, BM25-like without length normalisation: each query lexeme contributes its IDF
 * times ts_rank over the weighted document (own text A, title B, neighbours C), which saturates
 * with repeated occurrences. Length normalisation hurt on conversational data (a short reply whose
 * topic is in its neighbours is not a better match for being short); see decision 0003.
 *
 * Candidates are the documents matching the rarest lexemes, taken in order of document frequency
 * until their postings cover `probeBudget`; commoner lexemes then only add to the score. A query
 * of frequent words would otherwise rank a large share of the vault (MaxScore-style pruning).
 * `docCount` is the tenant's resource count (N of the IDF; it may be a little stale, never below df). CTEs are MATERIALIZED so each document
 * frequency is counted once, whatever the planner estimates on tables that were never analysed.
 */
export async function keywordCandidates(
  db: SqlRunner, tenantId: string, q: { lexemes: readonly string[]; docCount: number; probeBudget: number },
  f: SearchFilterSql, limit: number, rank: { tsWeights: readonly number[]; tsNormalization: number },
): Promise<Candidate[]> {
  if (q.lexemes.length === 0) return [];
  return db.query<Candidate>(
    `WITH terms AS MATERIALIZED (
       SELECT u.lit, u.ord, u.lit::tsquery AS tq, d.df, ln(1 + (greatest($7::float8, d.df) - d.df + 0.5) / (d.df + 0.5)) AS idf
       FROM unnest($6::text[]) WITH ORDINALITY AS u(lit, ord)
       CROSS JOIN LATERAL (SELECT count(*)::float8 AS df FROM resources r WHERE r.tenant_id = $1 AND r.search_tsv @@ u.lit::tsquery) d
       WHERE d.df > 0),
     probe AS MATERIALIZED (
       SELECT string_agg(lit, ' | ')::tsquery AS tq FROM (
         SELECT lit, coalesce(sum(df) OVER (ORDER BY df, ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before
         FROM terms) s
       WHERE before < $8),
     hits AS MATERIALIZED (
       -- '|| empty' detoasts each tsvector once here instead of once per ts_rank call below
       SELECT r.id, r.search_tsv || ''::tsvector AS tsv FROM resources r, probe
       WHERE r.tenant_id = $1 AND r.search_tsv @@ probe.tq AND ${FILTERS})
     SELECT h.id, sum(t.idf * ts_rank($9::float4[], h.tsv, t.tq, $10::int))::float8 AS score
     FROM hits h CROSS JOIN terms t
     GROUP BY h.id ORDER BY score DESC, h.id LIMIT $11`,
    [tenantId, ...filterParams(f), q.lexemes.map(tsqueryLiteral), q.docCount, q.probeBudget, [...rank.tsWeights], rank.tsNormalization, limit],
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
