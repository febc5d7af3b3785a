import type { EngramDocument } from '@p8fs/contracts';
import { sha256, uuid5 } from '../domain/ids.js';
import { embeddingText } from '../domain/search-text.js';
import type { DeriveContext } from './derive/index.js';
import type { EdgeInput } from './graph/types.js';
import { queueEmbedding, writeMoment } from './moment-write.js';
import { upsertEdges } from './sql/graph.js';
import { freeResourceName, upsertNamedResource } from './sql/named-resources.js';

/** An engram's resource id: by name, so uploading the same engram again (from any file) updates it. */
export const engramResourceId = (tenantId: string, name: string): string => uuid5(tenantId, 'resource', name);

/**
 * Write a validated engram inside the file's transaction: its resource (metadata merged with what an
 * earlier upload stored), its edges (merged, never replaced), and each attached moment (upserted by
 * name) with a part_of edge to the engram. Returns the ids of the file's resources.
 */
export async function writeEngram(ctx: DeriveContext, e: EngramDocument): Promise<string[]> {
  const { tx, tenantId, file } = ctx;
  const id = engramResourceId(tenantId, e.name);
  const content = e.content?.trim() || e.summary?.trim() || e.name;
  await upsertNamedResource(tx, tenantId, {
    id, fileId: file.id, name: await freeResourceName(tx, tenantId, id, e.name, e.category), category: e.category, content,
    summary: e.summary ?? null, uri: e.uri ?? file.uri, contentHash: sha256(embeddingText(content)),
    metadata: { ...e.metadata, kind: 'engram', file_name: file.name },
    timestamp: e.resource_timestamp ? new Date(e.resource_timestamp) : null, title: e.name,
  });
  const edges: EdgeInput[] = e.graph_edges.map((g) => ({
    src: e.name, rel: g.rel_type, dst: g.dst, weight: g.weight, properties: g.properties,
    dstType: g.dst_entity_type ?? stringOr(g.properties?.dst_entity_type),
  }));
  for (const m of e.moments) {
    await writeMoment(tx, tenantId, { ...m, metadata: { ...m.metadata, engram: e.name, source_file_id: file.id } });
    edges.push({ src: m.name, rel: 'part_of', dst: e.name });
  }
  await upsertEdges(tx, tenantId, edges, { origin: 'engram' });
  // Moment mirrors belong to no file, so the file's own embedding job does not cover them.
  if (e.moments.length > 0) await queueEmbedding(tx, ctx.queue, tenantId);
  return [id];
}

const stringOr = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
