import type { SqlRunner } from '../../ports/db.js';

/** What narrows a search to some files: tags, types, folders (decision 0022). Null: no such filter. */
export interface FileFilterSql {
  tags: string[] | null;
  types: string[] | null;
  folders: string[] | null;
}

/** A folder as a LIKE pattern for the uris under it ('/notes' and '/notes/' both mean '/notes/...'). */
const likePrefix = (s: string) => `${s.replace(/\/+$/, '').replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;

/**
 * The ids of the tenant's files that pass every given file filter (each a list of alternatives):
 * a tag edge from the file, a MIME type / family / extension, a uri under a folder.
 */
export async function filesMatching(db: SqlRunner, tenantId: string, f: FileFilterSql): Promise<string[]> {
  const types = f.types?.map((t) => t.toLowerCase().replace(/^\./, '')) ?? null;
  const rows = await db.query<{ id: string }>(
    `SELECT f.id FROM files f
     WHERE f.tenant_id = $1
       AND ($2::text[] IS NULL OR EXISTS (
         SELECT 1 FROM edges e WHERE e.tenant_id = f.tenant_id AND e.source_file_id = f.id AND e.rel_type = 'tagged'
           AND e.dst_key = ANY(SELECT p8_label_key(t) FROM unnest($2::text[]) t)))
       AND ($3::text[] IS NULL OR EXISTS (
         SELECT 1 FROM unnest($3::text[]) t
         WHERE lower(f.mime_type) = t OR lower(f.mime_type) LIKE t || '/%' OR lower(f.name) LIKE '%.' || t))
       AND ($4::text[] IS NULL OR f.uri LIKE ANY($4::text[]))`,
    [tenantId, f.tags, types, f.folders?.map(likePrefix) ?? null],
  );
  return rows.map((r) => r.id);
}

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
  /** the passage's own content hash: identical text collapses (decision 0022) */
  content_hash: string;
  /** the file's content hash (null for resources without a file): identical files collapse */
  file_hash: string | null;
  /** the file's metadata says its text is an unreliable machine transcript */
  low_accuracy: boolean;
}

/** The rows of the chosen hits (tenant-scoped like everything else), with what grouping needs. */
export async function hitRows(db: SqlRunner, tenantId: string, ids: readonly string[]): Promise<HitRow[]> {
  if (ids.length === 0) return [];
  return db.query<HitRow>(
    `SELECT r.id, r.file_id, r.uri, r.name, r.category, r.content, r.content_hash, f.content_hash AS file_hash,
            coalesce(f.metadata->>'transcriptAccuracy' = 'low', false) AS low_accuracy
     FROM resources r LEFT JOIN files f ON f.tenant_id = r.tenant_id AND f.id = r.file_id
     WHERE r.tenant_id = $1 AND r.id = ANY($2::uuid[])`,
    [tenantId, [...ids]]);
}
