import { edgeId, entityId, labelKey } from '../../domain/graph.js';
import type { SqlRunner } from '../../ports/db.js';
import type { EdgeInput } from '../graph/types.js';

export interface UpsertEdgesOptions {
  /** Default origin for edges that carry none (markdown, email, engram, user, ...). */
  origin: string;
  /** The file whose content produced these edges: reprocessing replaces them, deleting it removes them. */
  sourceFileId?: string | null;
  /** Also make a lightweight entity for a src label no node carries (user-written edges). */
  ensureSrc?: boolean;
  /** Replace the properties of an edge written again instead of merging (a file's own edges). */
  replaceProperties?: boolean;
}

interface EdgeRow {
  id: string;
  src: string;
  rel: string;
  dst: string;
  weight: number;
  properties: Record<string, unknown>;
  origin: string;
  at: Date | null;
}

/**
 * Write edges, merging into ones already there: properties key by key, and the newer assertion
 * (createdAt, else now) decides the weight. A label no node carries gets a lightweight entity,
 * typed by dstType or properties.dst_entity_type, so TRAVERSE can land on it and LOOKUP find it.
 */
export async function upsertEdges(tx: SqlRunner, tenantId: string, edges: readonly EdgeInput[], opts: UpsertEdgesOptions): Promise<string[]> {
  const rows = dedupe(tenantId, edges, opts);
  if (rows.length === 0) return [];
  const col = <K extends keyof EdgeRow>(k: K) => rows.map((r) => r[k]);
  const props = opts.replaceProperties ? 'EXCLUDED.properties' : 'edges.properties || EXCLUDED.properties';
  await tx.query(
    `INSERT INTO edges (id, tenant_id, src_key, src_label, rel_type, dst_key, dst_label, weight, properties, origin,
       source_file_id, created_at, updated_at)
     SELECT e.id, $1, p8_label_key(e.src), e.src, e.rel, p8_label_key(e.dst), e.dst, e.weight, e.props::jsonb, e.origin,
       $2::uuid, coalesce(e.at, now()), coalesce(e.at, now())
     FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::real[], $8::text[], $9::text[], $10::timestamptz[])
       AS e(id, src, rel, dst, weight, props, origin, at)
     ON CONFLICT (id) DO UPDATE SET
       src_label = EXCLUDED.src_label, dst_label = EXCLUDED.dst_label, origin = EXCLUDED.origin,
       weight = CASE WHEN EXCLUDED.updated_at >= edges.updated_at THEN EXCLUDED.weight ELSE edges.weight END,
       properties = CASE WHEN EXCLUDED.updated_at >= edges.updated_at THEN ${props}
                         ELSE EXCLUDED.properties || edges.properties END,
       created_at = least(edges.created_at, EXCLUDED.created_at),
       updated_at = greatest(edges.updated_at, EXCLUDED.updated_at)
     WHERE edges.tenant_id = EXCLUDED.tenant_id`,
    [tenantId, opts.sourceFileId ?? null, col('id'), col('src'), col('rel'), col('dst'), col('weight'),
      rows.map((r) => JSON.stringify(r.properties)), col('origin'), col('at')],
  );
  await ensureEntities(tx, tenantId, nodeLabels(edges, opts.ensureSrc ?? false));
  return rows.map((r) => r.id);
}

/**
 * A file's own edges after a (re)parse: write the new set, then drop what the file wrote before
 * under these origins and no longer says. Edges of other origins (an engram's) are left alone.
 */
export async function replaceFileEdges(
  tx: SqlRunner, tenantId: string, fileId: string, origins: readonly string[], edges: readonly EdgeInput[],
): Promise<void> {
  const keep = await upsertEdges(tx, tenantId, edges, { origin: origins[0] ?? 'document', sourceFileId: fileId, replaceProperties: true });
  await tx.query(
    `DELETE FROM edges WHERE tenant_id = $1 AND source_file_id = $2 AND origin = ANY($3::text[]) AND NOT (id = ANY($4::uuid[]))`,
    [tenantId, fileId, [...origins], keep],
  );
}

/** Remove edges src -rel-> dst of these origins (any source file); returns how many went. */
export async function deleteEdges(tx: SqlRunner, tenantId: string, src: string, rel: string, dst: string, origins: readonly string[]): Promise<number> {
  const rows = await tx.query<{ n: number }>(
    `WITH d AS (DELETE FROM edges WHERE tenant_id = $1 AND src_key = p8_label_key($2) AND rel_type = $3
       AND dst_key = p8_label_key($4) AND origin = ANY($5::text[]) RETURNING 1)
     SELECT count(*)::int AS n FROM d`,
    [tenantId, src, rel, dst, [...origins]],
  );
  return rows[0]?.n ?? 0;
}

/** Lightweight entities for labels no node carries yet; one per label key. */
async function ensureEntities(tx: SqlRunner, tenantId: string, labels: Map<string, { label: string; type: string }>): Promise<void> {
  if (labels.size === 0) return;
  const list = [...labels.values()];
  await tx.query(
    `INSERT INTO entities (id, tenant_id, label, entity_type, metadata)
     SELECT x.id, $1, x.label, x.type, '{"lightweight": true}'::jsonb
     FROM unnest($2::uuid[], $3::text[], $4::text[]) AS x(id, label, type)
     WHERE NOT EXISTS (SELECT 1 FROM labels l WHERE l.tenant_id = $1 AND l.label_key = p8_label_key(x.label))
     ON CONFLICT DO NOTHING`,
    [tenantId, list.map((l) => entityId(tenantId, l.label)), list.map((l) => l.label), list.map((l) => l.type)],
  );
}

function nodeLabels(edges: readonly EdgeInput[], withSrc: boolean): Map<string, { label: string; type: string }> {
  const out = new Map<string, { label: string; type: string }>();
  for (const e of edges) {
    const type = e.dstType ?? (typeof e.properties?.dst_entity_type === 'string' ? e.properties.dst_entity_type : 'entity');
    if (labelKey(e.dst) !== '' && !out.has(labelKey(e.dst))) out.set(labelKey(e.dst), { label: e.dst.trim(), type });
    if (withSrc && labelKey(e.src) !== '' && !out.has(labelKey(e.src))) out.set(labelKey(e.src), { label: e.src.trim(), type: 'entity' });
  }
  return out;
}

// One statement cannot update the same row twice: the same edge twice in a batch is merged here.
function dedupe(tenantId: string, edges: readonly EdgeInput[], opts: UpsertEdgesOptions): EdgeRow[] {
  const byId = new Map<string, EdgeRow>();
  for (const e of edges) {
    if (labelKey(e.src) === '' || labelKey(e.dst) === '' || e.rel.trim() === '') continue;
    const id = edgeId(tenantId, e.src, e.rel, e.dst, opts.sourceFileId ?? null);
    const prev = byId.get(id);
    byId.set(id, {
      id, src: e.src.trim(), rel: e.rel.trim(), dst: e.dst.trim(),
      weight: Math.min(1, Math.max(0, e.weight ?? 1)),
      properties: { ...prev?.properties, ...e.properties },
      origin: e.origin ?? opts.origin,
      at: e.createdAt ?? null,
    });
  }
  return [...byId.values()];
}
