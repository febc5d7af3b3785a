import { NODE_TABLES, type Direction, type GraphNode, type NodeTable } from './types.js';
import type { NodeRow } from '../sql/graph-nodes.js';
import type { StepFilter } from '../sql/graph-walk.js';

/** Edges the vault already holds as foreign keys, served as virtual edges (see migration 0004). */
export const VIRTUAL_RELS = ['contains', 'member_of', 'has_chunk', 'chunk_of'] as const;

const VIRTUAL_PAIR: Record<(typeof VIRTUAL_RELS)[number], (typeof VIRTUAL_RELS)[number]> = {
  contains: 'member_of', member_of: 'contains', has_chunk: 'chunk_of', chunk_of: 'has_chunk',
};

// From a file, has_chunk (and inbound chunk_of) would put every chunk of it in the walk and crowd
// out the edges a person wrote; they are followed only when named. chunk_of from a chunk (a SEARCH
// hit) up to its file is cheap and always followed.
const NAMED_ONLY_OUT = new Set(['has_chunk']);
const NAMED_ONLY_IN = new Set(['chunk_of']);

/**
 * Which edges one step follows. An inbound step matches a rel by its forward name or its inv-
 * name, so `TRAVERSE sent_by` and `TRAVERSE inv-sent_by` both walk e-mails from their sender.
 */
export function stepFilter(relTypes: readonly string[], direction: Direction, forPlan = false): StepFilter {
  const rels = relTypes.map((r) => r.trim()).filter((r) => r !== '');
  const forward = rels.map((r) => (r.startsWith('inv-') ? r.slice(4) : r));
  const inRels = [...new Set([...rels, ...forward])];
  const allowed = (named: readonly string[], namedOnly: Set<string>) =>
    VIRTUAL_RELS.filter((v) => (named.length === 0 ? forPlan || !namedOnly.has(v) : named.includes(v)));
  const out = direction !== 'in';
  const virtualOut = allowed(rels, NAMED_ONLY_OUT);
  // Each virtual pair is one foreign key: box -contains-> x read inbound is x -member_of-> box,
  // so an inbound rel whose pair already goes outbound would only repeat it.
  const virtualIn = allowed(inRels, NAMED_ONLY_IN).filter((v) => !(out && virtualOut.includes(VIRTUAL_PAIR[v])));
  return { out, in: direction !== 'out', outRels: rels, inRels, virtualOut, virtualIn };
}

/** A node row as REM returns it. */
export function toNode(row: NodeRow): GraphNode {
  const node: GraphNode = { table: asTable(row.tbl), id: row.id, label: row.label, type: row.type };
  if (row.uri != null) node.uri = row.uri;
  if (row.summary != null) node.summary = row.summary;
  if (row.excerpt != null) node.excerpt = row.excerpt;
  if (row.metadata != null) node.metadata = row.metadata;
  return node;
}

export const nodeKey = (n: { table: string; id: string }): string => `${n.table}:${n.id}`;

function asTable(t: string): NodeTable {
  if ((NODE_TABLES as readonly string[]).includes(t)) return t as NodeTable;
  throw new Error(`not a node table: ${t}`);
}

/** Clamp an integer into [lo, hi]; NaN and non-numbers become lo. */
export function clampInt(v: number, lo: number, hi: number): number {
  return Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.trunc(v))) : lo;
}
