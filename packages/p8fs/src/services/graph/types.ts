/**
 * The knowledge graph's shapes, shared by the graph service, the derivers that write edges and the
 * REM engine that reads them. Nodes are rows of the vault's tables; edges address them by human
 * label (DOMAIN.md), resolved through the label index.
 */

/** Tables a node can live in. Entities are lightweight nodes for labels no other row carries yet. */
export const NODE_TABLES = ['resources', 'files', 'moments', 'agents', 'entities'] as const;
export type NodeTable = (typeof NODE_TABLES)[number];

export type Direction = 'out' | 'in' | 'both';

/** One node as REM returns it: enough to cite and to take the next step. */
export interface GraphNode {
  table: NodeTable;
  id: string;
  /** The node's human label (resource, moment or agent name; file title; entity label). */
  label: string;
  /** Category (resources), entity type (entities), moment type, mime type (files), 'agent'. */
  type: string;
  uri?: string | null;
  summary?: string | null;
  /** The first part of the content, for a model to read without another call. */
  excerpt?: string | null;
  metadata?: Record<string, unknown>;
  /** Set by TRAVERSE: how many hops from an entry node, and the edge that reached it. */
  depth?: number;
  via?: { from: string; rel: string; direction: 'out' | 'in' };
}

/** An edge to write. src and dst are labels; the label key (case, spacing) decides identity. */
export interface EdgeInput {
  src: string;
  rel: string;
  dst: string;
  /** 0..1; the newer write wins on merge. Default 1. */
  weight?: number;
  /** Merged key by key into what the edge already holds. */
  properties?: Record<string, unknown>;
  /** Entity type for a lightweight node made for dst when no row carries its label (person, tag, ...). */
  dstType?: string;
  createdAt?: Date;
  /** Who wrote it (markdown, email, user, ...), when one batch mixes origins; else the writer's default. */
  origin?: string;
}

/** A stored edge, as REM shows it. */
export interface GraphEdge {
  src: string;
  rel: string;
  dst: string;
  weight: number;
  properties: Record<string, unknown>;
  origin: string;
  createdAt: string;
}

export interface TraverseRequest {
  /** Entry nodes (from LOOKUP or SEARCH). */
  from: readonly GraphNode[];
  /** Only these edge types; empty = all. An inbound step matches rel or its `inv-` name. */
  relTypes: readonly string[];
  depth: number;
  direction: Direction;
  /** At most this many nodes in the result (entry nodes not counted). */
  limit: number;
}

export interface TraverseStage {
  depth: number;
  /** What this step did, in words: for an agent exploring over several turns. */
  memo: string;
  nodes: number;
}

export interface TraverseResult {
  nodes: GraphNode[];
  stages: TraverseStage[];
  /** Distinct (src, rel, dst) triples followed. */
  edges: Array<{ src: string; rel: string; dst: string; direction: 'out' | 'in' }>;
  /** True when the cap cut the walk short. */
  truncated: boolean;
}

/** TRAVERSE PLAN: what a walk from the entry nodes would find, without walking it. */
export interface TraversePlan {
  entry: GraphNode[];
  /** Edge types leaving (and, with direction in/both, entering) the entry nodes, with counts and sample targets. */
  histogram: Array<{ rel: string; direction: 'out' | 'in'; count: number; samples: string[] }>;
}
