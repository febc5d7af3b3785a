import type { SqlRunner } from '../../ports/db.js';

/** A node as the node-reading statements return it ($1 is always the tenant). */
export interface NodeRow {
  tbl: string;
  id: string;
  label: string;
  type: string;
  uri: string | null;
  summary: string | null;
  excerpt: string | null;
  metadata: Record<string, unknown> | null;
}

/** How long an excerpt is: enough for a model to judge a node without fetching it. */
export const EXCERPT_CHARS = 300;

/**
 * The node columns for a CTE `picked (tbl, id)`: one row per node that still exists, whatever its
 * table. Every join is scoped by the tenant in $1.
 */
export const NODE_SELECT = `
  SELECT p.tbl, p.id,
    CASE p.tbl WHEN 'resources' THEN r.name WHEN 'files' THEN coalesce(nullif(f.metadata->>'title', ''), f.name)
      WHEN 'moments' THEN m.name WHEN 'agents' THEN a.name ELSE en.label END AS label,
    CASE p.tbl WHEN 'resources' THEN r.category WHEN 'files' THEN f.mime_type
      WHEN 'moments' THEN coalesce(m.moment_type, 'moment') WHEN 'agents' THEN 'agent' ELSE en.entity_type END AS type,
    -- Moments have no file: their resource uri (MCP resources/read) is what a host cites.
    coalesce(r.uri, f.uri, CASE WHEN p.tbl = 'moments' THEN 'p8fs://moments/' || p.id END) AS uri,
    coalesce(r.summary, m.summary, nullif(a.description, '')) AS summary,
    left(coalesce(r.content, m.content, a.system_prompt), ${EXCERPT_CHARS}) AS excerpt,
    coalesce(r.metadata, f.metadata, m.metadata, a.metadata, en.metadata) AS metadata
  FROM picked p
  LEFT JOIN resources r ON p.tbl = 'resources' AND r.tenant_id = $1 AND r.id = p.id
  LEFT JOIN files f ON p.tbl = 'files' AND f.tenant_id = $1 AND f.id = p.id
  LEFT JOIN moments m ON p.tbl = 'moments' AND m.tenant_id = $1 AND m.id = p.id
  LEFT JOIN agents a ON p.tbl = 'agents' AND a.tenant_id = $1 AND a.id = p.id
  LEFT JOIN entities en ON p.tbl = 'entities' AND en.tenant_id = $1 AND en.id = p.id
  WHERE coalesce(r.id, f.id, m.id, a.id, en.id) IS NOT NULL`;

// A lightweight entity stands in for a label only while no real node carries it: once the note
// "Sarah Chen.md" exists, [[Sarah Chen]] means the note.
const NOT_SHADOWED = (l: string) => `(${l}.entity_table <> 'entities' OR NOT EXISTS (
  SELECT 1 FROM labels o WHERE o.tenant_id = $1 AND o.label_key = ${l}.label_key AND o.entity_table <> 'entities'))`;

const TABLE_ORDER = `array_position(ARRAY['resources', 'files', 'moments', 'agents', 'entities'], n.tbl)`;

/** Nodes carrying these labels exactly (by label key), optionally only in one table each; in key order, each once. */
export async function lookupNodes(db: SqlRunner, tenantId: string, keys: ReadonlyArray<{ label: string; table: string | null }>): Promise<NodeRow[]> {
  if (keys.length === 0) return [];
  return db.query<NodeRow>(
    `WITH k AS (SELECT p8_label_key(x) AS key, want, o FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS u(x, want, o)),
     hit AS (
       SELECT DISTINCT ON (l.entity_table, l.entity_id) l.entity_table AS tbl, l.entity_id AS id, k.o
       FROM k JOIN labels l ON l.tenant_id = $1 AND l.label_key = k.key AND (k.want IS NULL OR l.entity_table = k.want)
       WHERE k.want = 'entities' OR ${NOT_SHADOWED('l')}
       ORDER BY l.entity_table, l.entity_id, k.o),
     picked AS (SELECT tbl, id FROM hit),
     n AS (${NODE_SELECT})
     SELECT n.* FROM n JOIN hit h ON h.tbl = n.tbl AND h.id = n.id ORDER BY h.o, ${TABLE_ORDER}, n.label`,
    [tenantId, keys.map((k) => k.label), keys.map((k) => k.table)],
  );
}

/**
 * Nodes whose labels are trigram-similar to the text, best first. The `%` operator keeps the GIN
 * index in play; its threshold is set for this transaction only.
 */
export async function fuzzyNodes(db: SqlRunner, tenantId: string, text: string, limit: number, threshold: number): Promise<Array<NodeRow & { score: number }>> {
  await db.query(`SELECT set_config('pg_trgm.similarity_threshold', $1, true)`, [String(threshold)]);
  return db.query<NodeRow & { score: number }>(
    `WITH q AS (SELECT p8_label_key($2) AS q),
     hit AS (
       SELECT l.entity_table AS tbl, l.entity_id AS id, max(similarity(l.label_key, q.q))::float8 AS score
       FROM labels l, q WHERE l.tenant_id = $1 AND l.label_key % q.q AND ${NOT_SHADOWED('l')}
       GROUP BY 1, 2),
     top AS (SELECT * FROM hit WHERE score >= $3 ORDER BY score DESC LIMIT $4),
     picked AS (SELECT tbl, id FROM top),
     n AS (${NODE_SELECT})
     SELECT n.*, t.score FROM n JOIN top t ON t.tbl = n.tbl AND t.id = n.id
     ORDER BY t.score DESC, length(n.label), ${TABLE_ORDER}, n.label`,
    [tenantId, text, threshold, limit],
  );
}

/** Nodes by (table, id), for entry nodes given by id. */
export async function nodesByIds(db: SqlRunner, tenantId: string, refs: ReadonlyArray<{ table: string; id: string }>): Promise<NodeRow[]> {
  if (refs.length === 0) return [];
  return db.query<NodeRow>(
    `WITH picked AS (SELECT * FROM unnest($2::text[], $3::uuid[]) AS p(tbl, id)) ${NODE_SELECT}`,
    [tenantId, refs.map((r) => r.table), refs.map((r) => r.id)],
  );
}
