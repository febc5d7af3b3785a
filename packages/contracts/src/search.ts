import { z } from 'zod';

export const SEARCH_MODES = ['hybrid', 'keyword', 'vector'] as const;
/** file: one hit per file (identical copies collapsed, more passages under it); chunk: every passage (decision 0022). */
export const SEARCH_GROUPS = ['file', 'chunk'] as const;

export const SearchFilters = z
  .object({
    category: z.union([z.string(), z.array(z.string())]).optional(),
    file_id: z.union([z.string().uuid(), z.array(z.string().uuid())]).optional(),
    /**
     * ISO date or date-time; compared with the content date where the vault knows one (an e-mail's Date, a photo's
     * EXIF time, a note's frontmatter date, a conversation turn's time), else the upload time.
     */
    from: z.string().optional(),
    to: z.string().optional(),
    /** only files carrying this tag (frontmatter tags or inline #tags), with or without the '#' */
    tag: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    /** only files of this type: a MIME type (application/pdf), its family (audio) or an extension (pdf, .md) */
    type: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
    /** only files whose uri starts with this folder (a path prefix) */
    folder: z.union([z.string().min(1), z.array(z.string().min(1))]).optional(),
  })
  .strict();
export type SearchFilters = z.infer<typeof SearchFilters>;

export const SearchRequest = z.object({
  query: z.string().trim().min(1, 'query must not be empty').max(4000),
  limit: z.number().int().min(1).max(100).default(10),
  mode: z.enum(SEARCH_MODES).default('hybrid'),
  filters: SearchFilters.default({}),
  /** chunk (the wire default, as before): a ranked list of passages; file: one hit per file. */
  group: z.enum(SEARCH_GROUPS).default('chunk'),
});
export type SearchRequest = z.input<typeof SearchRequest>;

/** Another matching passage of a grouped hit's file. */
export const SearchPassage = z.object({
  resource_id: z.string().uuid(),
  uri: z.string(),
  snippet: z.string(),
  score: z.number(),
});
export type SearchPassage = z.infer<typeof SearchPassage>;

/** A copy collapsed into a hit: another file (or passage) with the same content. */
export const SearchDuplicate = z.object({
  file_id: z.string().uuid().nullable(),
  resource_id: z.string().uuid(),
  uri: z.string(),
  name: z.string(),
});
export type SearchDuplicate = z.infer<typeof SearchDuplicate>;

export const SearchHit = z.object({
  resource_id: z.string().uuid(),
  file_id: z.string().uuid().nullable(),
  uri: z.string(),
  name: z.string(),
  category: z.string(),
  content: z.string(),
  snippet: z.string(),
  /**
   * 0..1: 1 = ranked first by every retriever the mode uses; falls with rank (decision 0022). Hits
   * under the vault's relevance floor (searchMinScore) are not returned.
   */
  score: z.number(),
  /** where the score came from: ranks in each retriever (null when it did not find the hit) */
  ranks: z.object({ keyword: z.number().int().nullable(), vector: z.number().int().nullable() }),
  /** group=file: the file's next best matching passages (at most 3) */
  passages: z.array(SearchPassage).optional(),
  /** group=file: copies with the same content (same file hash, or the same passage text) collapsed into this hit */
  duplicates: z.array(SearchDuplicate).optional(),
  /** set when the text is machine-made and known to be unreliable (an offline speech-to-text transcript) */
  low_accuracy: z.boolean().optional(),
});
export type SearchHit = z.infer<typeof SearchHit>;

export const SearchResponse = z.object({
  query: z.string(),
  mode: z.enum(SEARCH_MODES),
  results: z.array(SearchHit),
  took_ms: z.number(),
});
export type SearchResponse = z.infer<typeof SearchResponse>;
