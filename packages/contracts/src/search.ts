import { z } from 'zod';

export const SEARCH_MODES = ['hybrid', 'keyword', 'vector'] as const;

export const SearchFilters = z
  .object({
    category: z.union([z.string(), z.array(z.string())]).optional(),
    file_id: z.union([z.string().uuid(), z.array(z.string().uuid())]).optional(),
    /** ISO date or date-time; compared with the resource timestamp (or its creation time). */
    from: z.string().optional(),
    to: z.string().optional(),
  })
  .strict();
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchRequest = z.object({
  query: z.string().trim().min(1, 'query must not be empty').max(4000),
  limit: z.number().int().min(1).max(100).default(10),
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  filters: SearchFilters.default({}),
});
export type SearchRequest = z.input<typeof SearchRequest>;

export const SearchHit = z.object({
  resource_id: z.string().uuid(),
  file_id: z.string().uuid().nullable(),
  uri: z.string(),
  name: z.string(),
  category: z.string(),
  content: z.string(),
  snippet: z.string(),
  score: z.number(),
  /** where the score came from: ranks in each retriever (null when it did not find the hit) */
  ranks: z.object({ keyword: z.number().int().nullable(), vector: z.number().int().nullable() }),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResponse = z.object({
  query: z.string(),
  mode: z.enum(SEARCH_MODES),
  results: z.array(SearchHit),
  took_ms: z.number(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
