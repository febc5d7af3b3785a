import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { Db } from '../../ports/db.js';
import { fuzzyNodes, lookupNodes } from '../sql/graph-nodes.js';
import { deleteEdges, upsertEdges } from '../sql/graph.js';
import { edgeHistogram, edgesTouching } from '../sql/graph-walk.js';
import { clampInt, stepFilter, toNode } from './filter.js';
import { traverse } from './traverse.js';
import type { Direction, EdgeInput, GraphEdge, GraphNode, NodeTable, TraversePlan, TraverseRequest, TraverseResult } from './types.js';
import { requirePermission } from '../../domain/scopes.js';
import { QueryBudget } from '../query-budget.js';

export interface FuzzyOptions {
  limit?: number;
  /** Least trigram similarity (0..1) a label needs; default 0.3. */
  threshold?: number;
}

const MAX_EDGES_PER_WRITE = 1000;

/**
 * The knowledge graph: nodes found by label (exact or fuzzy), edges shown, walked and planned,
 * and the edges people write themselves. Every call is scoped to the actor's tenant.
 */
export class GraphService {
  /** timeoutMs: the budget of a read made without one (REM passes its request's budget). */
  constructor(private readonly db: Db, private readonly timeoutMs = 5_000) {}

  /** LOOKUP: nodes carrying these labels (case and spacing ignored), in key order, each once. */
  async lookup(actor: Actor, keys: ReadonlyArray<{ label: string; table?: NodeTable }>, budget = this.budget()): Promise<GraphNode[]> {
    requirePermission(actor, 'vault:read');
    const rows = await budget.read(this.db, (tx) => lookupNodes(tx, actor.tenantId, keys.map((k) => ({ label: k.label, table: k.table ?? null }))));
    return rows.map(toNode);
  }

  /** FUZZY: nodes whose labels are trigram-similar to the text, best first (an exact label scores 1). */
  async fuzzy(actor: Actor, text: string, opts: FuzzyOptions = {}, budget = this.budget()): Promise<Array<GraphNode & { score: number }>> {
    requirePermission(actor, 'vault:read');
    if (text.trim() === '') return [];
    const limit = clampInt(opts.limit ?? 10, 1, 100);
    const threshold = Math.min(1, Math.max(0.01, opts.threshold ?? 0.3));
    const rows = await budget.read(this.db, (tx) => fuzzyNodes(tx, actor.tenantId, text, limit, threshold));
    return rows.map((r) => ({ ...toNode(r), score: r.score }));
  }

  /** The stored edges touching these nodes, as written (an inbound edge keeps its forward form). */
  async edgesOf(actor: Actor, nodes: readonly GraphNode[], direction: Direction = 'both', budget = this.budget()): Promise<GraphEdge[]> {
    requirePermission(actor, 'vault:read');
    const rows = await budget.read(this.db, (tx) => edgesTouching(tx, actor.tenantId, nodes, direction !== 'in', direction !== 'out'));
    return rows.map((r) => ({
      src: r.src_label, rel: r.rel_type, dst: r.dst_label, weight: r.weight, properties: r.properties,
      origin: r.origin, createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  /** TRAVERSE: breadth-first walk from the entry nodes (see traverse.ts). */
  async traverse(actor: Actor, req: TraverseRequest, budget = this.budget()): Promise<TraverseResult> {
    requirePermission(actor, 'vault:read');
    return budget.read(this.db, (tx) => traverse(tx, actor.tenantId, req));
  }

  /** TRAVERSE PLAN: the edge types around the entry nodes, with counts and sample targets, without walking. */
  async plan(actor: Actor, from: readonly GraphNode[], relTypes: readonly string[], direction: Direction, budget = this.budget()): Promise<TraversePlan> {
    requirePermission(actor, 'vault:read');
    const rows = await budget.read(this.db, (tx) => edgeHistogram(tx, actor.tenantId, from, stepFilter(relTypes, direction, true)));
    return {
      entry: [...from],
      histogram: rows.map((r) => ({ rel: r.rel, direction: r.dir, count: r.n, samples: r.samples.filter((s) => s != null) })),
    };
  }

  /** Edges a person writes (origin 'user'); labels no node carries become lightweight entities. */
  async addEdges(actor: Actor, edges: readonly EdgeInput[]): Promise<number> {
    requirePermission(actor, 'vault:write');
    if (edges.length > MAX_EDGES_PER_WRITE) throw new AppError('validation_failed', `at most ${MAX_EDGES_PER_WRITE} edges per write`);
    for (const e of edges) {
      if (!e.src?.trim() || !e.dst?.trim() || !e.rel?.trim()) throw new AppError('validation_failed', 'an edge needs src, rel and dst');
      if (e.weight !== undefined && !(e.weight >= 0 && e.weight <= 1)) throw new AppError('validation_failed', 'edge weight must be within 0..1');
    }
    const ids = await this.db.transaction((tx) => upsertEdges(tx, actor.tenantId, edges.map((e) => ({ ...e, origin: 'user' })), { origin: 'user', ensureSrc: true }));
    return ids.length;
  }

  /** Remove a user-written edge; edges a file's content produced come and go with the file. */
  async removeEdge(actor: Actor, src: string, rel: string, dst: string): Promise<boolean> {
    requirePermission(actor, 'vault:write');
    return (await this.db.transaction((tx) => deleteEdges(tx, actor.tenantId, src, rel, dst, ['user']))) > 0;
  }

  private budget(): QueryBudget {
    return new QueryBudget(this.timeoutMs);
  }
}
