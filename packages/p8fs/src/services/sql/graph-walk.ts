import type { SqlRunner } from '../../ports/db.js';
import { NODE_SELECT, type NodeRow } from './graph-nodes.js';

/** Which edges one step follows. Empty rel lists mean every type; virtual lists name the FK edges allowed. */
export interface StepFilter {
  out: boolean;
  in: boolean;
  /** Stored rel types followed outbound (empty = all). */
  outRels: readonly string[];
  /** Stored rel types followed inbound, by their forward name (empty = all). */
  inRels: readonly string[];
  /** Virtual edges followed outbound (contains, member_of, has_chunk, chunk_of), by forward name. */
  virtualOut: readonly string[];
  /** Virtual edges followed inbound, by forward name (reported as inv-<rel>). */
  virtualIn: readonly string[];
}

export interface StepRow extends NodeRow {
  from_tbl: string;
  from_id: string;
  dir: 'out' | 'in';
  rel: string;
  weight: number;
}

// The frontier (f) and every label key its nodes answer to (fk): edges meet nodes by label key.
const FRONTIER = `f AS (SELECT * FROM unnest($2::text[], $3::uuid[]) AS f(tbl, id)),
  fk AS (SELECT DISTINCT f.tbl, f.id, l.label_key AS key FROM f
         JOIN labels l ON l.tenant_id = $1 AND l.entity_table = f.tbl AND l.entity_id = f.id)`;

// Stored edges both ways: forward through edges_src, inbound through edges_dst as inv-<rel>.
const STORED = `st AS (
    SELECT DISTINCT ON (fk.tbl, fk.id, e.id) fk.tbl, fk.id, 'out' AS dir, e.rel_type AS rel, e.dst_key AS tkey, e.dst_label AS tlabel, e.weight
    FROM fk JOIN edges e ON e.tenant_id = $1 AND e.src_key = fk.key
    WHERE $4 AND (cardinality($6::text[]) = 0 OR e.rel_type = ANY($6::text[]))
    UNION ALL
    SELECT DISTINCT ON (fk.tbl, fk.id, e.id) fk.tbl, fk.id, 'in',
      CASE WHEN e.rel_type LIKE 'inv-%' THEN substr(e.rel_type, 5) ELSE 'inv-' || e.rel_type END, e.src_key, e.src_label, e.weight
    FROM fk JOIN edges e ON e.tenant_id = $1 AND e.dst_key = fk.key
    WHERE $5 AND (cardinality($7::text[]) = 0 OR e.rel_type = ANY($7::text[])))`;

// Archive membership and chunk provenance are foreign keys already; read as edges, never copied.
//   parent -contains-> member, member -member_of-> parent, file -has_chunk-> chunk, chunk -chunk_of-> file
const VIRTUAL = `vt AS (
    SELECT f.tbl, f.id, 'out' AS dir, 'contains' AS rel, 'files' AS ttbl, c.id AS tid FROM f
      JOIN files c ON c.tenant_id = $1 AND c.parent_id = f.id WHERE f.tbl = 'files' AND 'contains' = ANY($8::text[])
    UNION ALL SELECT f.tbl, f.id, 'out', 'member_of', 'files', c.parent_id FROM f
      JOIN files c ON c.tenant_id = $1 AND c.id = f.id WHERE f.tbl = 'files' AND c.parent_id IS NOT NULL AND 'member_of' = ANY($8::text[])
    UNION ALL SELECT f.tbl, f.id, 'out', 'has_chunk', 'resources', r.id FROM f
      JOIN resources r ON r.tenant_id = $1 AND r.file_id = f.id WHERE f.tbl = 'files' AND 'has_chunk' = ANY($8::text[])
    UNION ALL SELECT f.tbl, f.id, 'out', 'chunk_of', 'files', r.file_id FROM f
      JOIN resources r ON r.tenant_id = $1 AND r.id = f.id WHERE f.tbl = 'resources' AND r.file_id IS NOT NULL AND 'chunk_of' = ANY($8::text[])
    UNION ALL SELECT f.tbl, f.id, 'in', 'inv-contains', 'files', c.parent_id FROM f
      JOIN files c ON c.tenant_id = $1 AND c.id = f.id WHERE f.tbl = 'files' AND c.parent_id IS NOT NULL AND 'contains' = ANY($9::text[])
    UNION ALL SELECT f.tbl, f.id, 'in', 'inv-member_of', 'files', c.id FROM f
      JOIN files c ON c.tenant_id = $1 AND c.parent_id = f.id WHERE f.tbl = 'files' AND 'member_of' = ANY($9::text[])
    UNION ALL SELECT f.tbl, f.id, 'in', 'inv-has_chunk', 'files', r.file_id FROM f
      JOIN resources r ON r.tenant_id = $1 AND r.id = f.id WHERE f.tbl = 'resources' AND r.file_id IS NOT NULL AND 'has_chunk' = ANY($9::text[])
    UNION ALL SELECT f.tbl, f.id, 'in', 'inv-chunk_of', 'resources', r.id FROM f
      JOIN resources r ON r.tenant_id = $1 AND r.file_id = f.id WHERE f.tbl = 'files' AND 'chunk_of' = ANY($9::text[]))`;

const stepParams = (tenantId: string, frontier: ReadonlyArray<{ table: string; id: string }>, s: StepFilter) => [
  tenantId, frontier.map((n) => n.table), frontier.map((n) => n.id), s.out, s.in,
  [...s.outRels], [...s.inRels], s.out ? [...s.virtualOut] : [], s.in ? [...s.virtualIn] : [],
];

/**
 * One breadth-first step in one round trip: the frontier's edges (stored and virtual) with the
 * nodes they reach. A stored edge's other end resolves through the labels index (a label no row
 * carries resolves to its lightweight entity). Stored edges first, heaviest first.
 */
export async function stepEdges(db: SqlRunner, tenantId: string, frontier: ReadonlyArray<{ table: string; id: string }>, s: StepFilter, maxRows: number): Promise<StepRow[]> {
  if (frontier.length === 0) return [];
  return db.query<StepRow>(
    `WITH ${FRONTIER}, ${STORED}, ${VIRTUAL},
     hop AS (
       SELECT st.tbl, st.id, st.dir, st.rel, st.weight, l.entity_table AS ttbl, l.entity_id AS tid, false AS virtual
       FROM st JOIN labels l ON l.tenant_id = $1 AND l.label_key = st.tkey
       WHERE l.entity_table <> 'entities' OR NOT EXISTS (
         SELECT 1 FROM labels o WHERE o.tenant_id = $1 AND o.label_key = st.tkey AND o.entity_table <> 'entities')
       UNION ALL SELECT vt.tbl, vt.id, vt.dir, vt.rel, 1::real, vt.ttbl, vt.tid, true FROM vt),
     picked AS (SELECT DISTINCT ttbl AS tbl, tid AS id FROM hop),
     n AS (${NODE_SELECT})
     SELECT h.tbl AS from_tbl, h.id AS from_id, h.dir, h.rel, h.weight::float8 AS weight, n.*
     FROM hop h JOIN n ON n.tbl = h.ttbl AND n.id = h.tid
     ORDER BY h.virtual, h.weight DESC, h.rel, n.label
     LIMIT $10`,
    [...stepParams(tenantId, frontier, s), maxRows],
  );
}

/** TRAVERSE PLAN: per edge type and direction, how many edges leave the nodes and a few target labels. */
export async function edgeHistogram(db: SqlRunner, tenantId: string, nodes: ReadonlyArray<{ table: string; id: string }>, s: StepFilter): Promise<Array<{ dir: 'out' | 'in'; rel: string; n: number; samples: string[] }>> {
  if (nodes.length === 0) return [];
  return db.query(
    `WITH ${FRONTIER}, ${STORED}, ${VIRTUAL},
     picked AS (SELECT DISTINCT ttbl AS tbl, tid AS id FROM vt),
     n AS (${NODE_SELECT}),
     any_edge AS (
       SELECT st.dir, st.rel, st.tlabel FROM st
       UNION ALL SELECT DISTINCT vt.dir, vt.rel, n.label FROM vt JOIN n ON n.tbl = vt.ttbl AND n.id = vt.tid)
     SELECT dir, rel, count(*)::int AS n, (array_agg(DISTINCT tlabel))[1:3] AS samples
     FROM any_edge GROUP BY dir, rel ORDER BY n DESC, rel`,
    stepParams(tenantId, nodes, s),
  );
}

export interface EdgeRow {
  src_label: string;
  rel_type: string;
  dst_label: string;
  weight: number;
  properties: Record<string, unknown>;
  origin: string;
  created_at: Date;
}

/** The stored edges touching these nodes, as written (inbound ones keep their forward form). */
export async function edgesTouching(db: SqlRunner, tenantId: string, nodes: ReadonlyArray<{ table: string; id: string }>, out: boolean, inbound: boolean, limit = 1000): Promise<EdgeRow[]> {
  if (nodes.length === 0) return [];
  return db.query<EdgeRow>(
    `WITH ${FRONTIER},
     hit AS (
       SELECT e.id FROM fk JOIN edges e ON e.tenant_id = $1 AND e.src_key = fk.key WHERE $4
       UNION SELECT e.id FROM fk JOIN edges e ON e.tenant_id = $1 AND e.dst_key = fk.key WHERE $5)
     SELECT e.src_label, e.rel_type, e.dst_label, e.weight::float8 AS weight, e.properties, e.origin, e.created_at
     FROM edges e JOIN hit USING (id) WHERE e.tenant_id = $1
     ORDER BY e.rel_type, e.src_label, e.dst_label LIMIT $6`,
    [tenantId, nodes.map((n) => n.table), nodes.map((n) => n.id), out, inbound, limit],
  );
}
