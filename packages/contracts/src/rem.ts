import { z } from 'zod';

/**
 * REM queries: LOOKUP, FUZZY, SEARCH, read-only SELECT and TRAVERSE over the caller's vault.
 * One result shape for every form; which fields are set depends on `kind`.
 */

export const REM_RESULT_KINDS = ['lookup', 'fuzzy', 'search', 'sql', 'traverse', 'plan'] as const;
export const REM_NODE_TABLES = ['resources', 'files', 'moments', 'agents', 'entities'] as const;

export const RemQueryRequest = z.object({
  /** A REM statement; natural language only when the server has a query planner. */
  query: z.string().trim().min(1, 'query must not be empty').max(20_000),
  /** SQL: the row cap (default 100, at most 1000). */
  limit: z.number().int().min(1).max(1000).optional(),
  /** true: translate natural language with the query planner; false: never (default: when configured). */
  ask: z.boolean().optional(),
});
export type RemQueryRequest = z.input<typeof RemQueryRequest>;

export const RemNode = z.object({
  table: z.enum(REM_NODE_TABLES),
  id: z.string(),
  label: z.string(),
  type: z.string(),
  uri: z.string().nullable().optional(),
  summary: z.string().nullable().optional(),
  excerpt: z.string().nullable().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** FUZZY: trigram similarity; SEARCH: the hit's score normalised to 0..1 (see the REM docs). */
  score: z.number().optional(),
  /** TRAVERSE: hops from an entry node and the edge that reached this one. */
  depth: z.number().int().optional(),
  via: z.object({ from: z.string(), rel: z.string(), direction: z.enum(['out', 'in']) }).optional(),
});
export type RemNode = z.infer<typeof RemNode>;

export const RemStage = z.object({ depth: z.number().int(), memo: z.string(), nodes: z.number().int() });
export type RemStage = z.infer<typeof RemStage>;

export const RemEdge = z.object({ src: z.string(), rel: z.string(), dst: z.string(), direction: z.enum(['out', 'in']) });
export type RemEdge = z.infer<typeof RemEdge>;

export const RemPlan = z.object({
  entry: z.array(RemNode),
  histogram: z.array(z.object({ rel: z.string(), direction: z.enum(['out', 'in']), count: z.number().int(), samples: z.array(z.string()) })),
});
export type RemPlan = z.infer<typeof RemPlan>;

export const RemResult = z.object({
  kind: z.enum(REM_RESULT_KINDS),
  /** The REM statement that ran (the planner's translation when the input was natural language). */
  query: z.string(),
  nodes: z.array(RemNode).optional(),
  rows: z.array(z.record(z.string(), z.unknown())).optional(),
  columns: z.array(z.string()).optional(),
  /** TRAVERSE: what each depth did, in words. */
  stages: z.array(RemStage).optional(),
  edges: z.array(RemEdge).optional(),
  plan: RemPlan.optional(),
  /** True when a cap (rows, nodes) cut the result. */
  truncated: z.boolean(),
  took_ms: z.number(),
});
export type RemResult = z.infer<typeof RemResult>;
