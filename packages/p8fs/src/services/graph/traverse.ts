import type { SqlRunner } from '../../ports/db.js';
import { stepEdges } from '../sql/graph-walk.js';
import { clampInt, nodeKey, stepFilter, toNode } from './filter.js';
import type { GraphNode, TraverseRequest, TraverseResult } from './types.js';

/** Deepest walk served, whatever the caller asks (REM validates DEPTH <= 5 too). */
export const MAX_DEPTH = 5;
export const MAX_NODES = 1000;
// Rows one step may read: a hub node (a tag on every note) must not pull the whole vault.
const STEP_ROWS = 5000;

/**
 * Breadth-first from the entry nodes: one SQL round trip per depth, every node once (visited by
 * table:id, so A -> B -> A ends), at most `limit` new nodes. Each depth leaves a memo in words,
 * so an agent exploring over several turns knows what the step did.
 */
export async function traverse(db: SqlRunner, tenantId: string, req: TraverseRequest): Promise<TraverseResult> {
  const depth = clampInt(req.depth, 1, MAX_DEPTH);
  const limit = clampInt(req.limit, 1, MAX_NODES);
  const filter = stepFilter(req.relTypes, req.direction);
  const visited = new Set(req.from.map(nodeKey));
  const result: TraverseResult = { nodes: [], stages: [], edges: [], truncated: false };
  const triples = new Set<string>();
  let frontier: readonly GraphNode[] = dedupeNodes(req.from);
  for (let d = 1; d <= depth && frontier.length > 0 && !result.truncated; d++) {
    const byKey = new Map(frontier.map((n) => [nodeKey(n), n]));
    const rows = await stepEdges(db, tenantId, frontier.map((n) => ({ table: n.table, id: n.id })), filter, STEP_ROWS);
    const next: GraphNode[] = [];
    const rels = new Map<string, number>();
    for (const row of rows) {
      const from = byKey.get(`${row.from_tbl}:${row.from_id}`);
      const key = `${row.tbl}:${row.id}`;
      if (!from || key === nodeKey(from)) continue;
      if (!visited.has(key)) {
        if (result.nodes.length >= limit) {
          result.truncated = true;
          continue;
        }
        visited.add(key);
        const node: GraphNode = { ...toNode(row), depth: d, via: { from: from.label, rel: row.rel, direction: row.dir } };
        result.nodes.push(node);
        next.push(node);
      }
      const triple = canonical(nodeKey(from), row.rel, key);
      if (triples.has(triple)) continue;
      triples.add(triple);
      result.edges.push({ src: from.label, rel: row.rel, dst: row.label, direction: row.dir });
      rels.set(row.rel, (rels.get(row.rel) ?? 0) + 1);
    }
    result.stages.push({ depth: d, memo: memo(d, frontier.length, rels, next.length, result.truncated ? limit : null), nodes: next.length });
    frontier = next;
  }
  return result;
}

// Virtual pairs that are one foreign key read from either end.
const FORWARD_OF: Record<string, string> = { member_of: 'contains', chunk_of: 'has_chunk' };

/**
 * One key per underlying edge, whichever end the walk met it from: A -links_to-> B and
 * B -inv-links_to-> A are the same row, box -contains-> x and x -member_of-> box the same FK.
 */
function canonical(src: string, rel: string, dst: string): string {
  if (rel.startsWith('inv-')) return canonical(dst, rel.slice(4), src);
  const fwd = FORWARD_OF[rel];
  return fwd ? `${dst}\u0000${fwd}\u0000${src}` : `${src}\u0000${rel}\u0000${dst}`;
}

function memo(depth: number, from: number, rels: Map<string, number>, reached: number, cappedAt: number | null): string {
  const edges = [...rels.values()].reduce((a, b) => a + b, 0);
  const nodes = (n: number) => `${n} node${n === 1 ? '' : 's'}`;
  if (edges === 0) return `depth ${depth}: no edges from ${nodes(from)}`;
  const kinds = [...rels.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([r, n]) => `${r} ×${n}`).join(', ');
  const text = `depth ${depth}: followed ${edges} edge${edges === 1 ? '' : 's'} (${kinds}) from ${nodes(from)} to ${reached} new ${reached === 1 ? 'node' : 'nodes'}`;
  return cappedAt === null ? text : `${text}; stopped at the limit of ${nodes(cappedAt)}`;
}

function dedupeNodes(nodes: readonly GraphNode[]): GraphNode[] {
  const seen = new Set<string>();
  return nodes.filter((n) => !seen.has(nodeKey(n)) && seen.add(nodeKey(n)) !== undefined);
}
