import { z } from 'zod';
import { ResourceDto } from './resources.js';

// `p8fs export` (issue 19): the vault's content in open formats. Files, their bytes and moments come
// from their own routes; these pages add what has no list route: every resource of the tenant (notes
// and sessions too, not only files' chunks, optionally with vectors) and the graph's edges.

/** Keyset paging: the last id of the previous page (ids sort as text), or none for the first page. */
export const ExportPageQuery = z.object({
  after: z.string().uuid().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
  vectors: z.enum(['true', 'false']).default('false').transform((v) => v === 'true').describe('include each resource\'s vector of the active embedding provider'),
});
export type ExportPageQuery = z.output<typeof ExportPageQuery>;

/** A resource as exported: its DTO plus, when asked, its vector (null when it has none yet). */
export const ExportResource = ResourceDto.extend({
  embedding: z.array(z.number()).nullable().optional(),
  embedding_provider: z.string().nullable().optional(),
});
export type ExportResource = z.infer<typeof ExportResource>;

export const ExportResourcePage = z.object({ resources: z.array(ExportResource), next_after: z.string().uuid().nullable() });
export type ExportResourcePage = z.infer<typeof ExportResourcePage>;

/** One edge of the knowledge graph (labels as written, keys as indexed). */
export const ExportEdge = z.object({
  id: z.string().uuid(),
  src_label: z.string(),
  src_key: z.string(),
  rel_type: z.string(),
  dst_label: z.string(),
  dst_key: z.string(),
  weight: z.number(),
  properties: z.record(z.string(), z.unknown()),
  origin: z.string(),
  source_file_id: z.string().uuid().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ExportEdge = z.infer<typeof ExportEdge>;

export const ExportEdgePage = z.object({ edges: z.array(ExportEdge), next_after: z.string().uuid().nullable() });
export type ExportEdgePage = z.infer<typeof ExportEdgePage>;
