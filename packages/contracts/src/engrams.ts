import { z } from 'zod';
import { IsoTime, MomentCreate } from './moments.js';

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A moment inside an engram. Writers of the original format name the range resource_timestamp /
 * resource_ends_timestamp and may give a media-fragment uri (`#t=0,300`); the uri is kept in metadata.
 */
export const EngramMoment = z.preprocess((v) => {
  if (!isPlain(v)) return v;
  const { resource_timestamp, resource_ends_timestamp, uri, ...rest } = v;
  const metadata = uri === undefined ? rest.metadata : { ...(isPlain(rest.metadata) ? rest.metadata : {}), uri };
  return {
    ...rest,
    starts_at: rest.starts_at ?? resource_timestamp,
    ends_at: rest.ends_at ?? resource_ends_timestamp,
    ...(metadata === undefined ? {} : { metadata }),
  };
}, MomentCreate);

/** An inline edge (the original's InlineEdge): from the engram to a node named by its label. */
export const EngramEdge = z.object({
  dst: z.string().trim().min(1, 'dst must not be empty').max(500),
  rel_type: z.string().trim().min(1, 'rel_type must not be empty').max(100),
  weight: z.number().min(0).max(1).optional(),
  properties: z.record(z.string(), z.unknown()).optional(),
  /** What the target is (person, place, project), when no row carries its label yet. */
  dst_entity_type: z.string().trim().min(1).max(100).optional(),
});
export type EngramEdge = z.output<typeof EngramEdge>;

/**
 * A YAML/JSON document with `kind: engram`: one resource (upserted by name), explicit edges from it
 * and the moments it contains. Often from the mobile app: a voice memo plus a device block in metadata.
 */
export const EngramDocument = z.object({
  kind: z.string().optional(),
  name: z.string().trim().min(1, 'name must not be empty').max(500),
  category: z.string().trim().min(1).max(100).default('engram'),
  summary: z.string().max(10_000).nullish(),
  content: z.string().max(1_000_000).nullish(),
  uri: z.string().trim().min(1).max(4096).nullish(),
  resource_timestamp: IsoTime.nullish(),
  metadata: z.record(z.string(), z.unknown()).default({}),
  graph_edges: z.array(EngramEdge).max(1000).default([]),
  moments: z.array(EngramMoment).max(500).default([]),
});
export type EngramDocument = z.output<typeof EngramDocument>;
