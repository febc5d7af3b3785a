import type { SqlRunner } from '../../ports/db.js';
import { SEARCH_TSV_SQL } from './resources.js';

/**
 * A resource that stands for one named thing (an engram, an agent definition, a moment's searchable
 * mirror) rather than a chunk of a file: written one at a time, with a summary, metadata merged.
 */
export interface NamedResourceInput {
  id: string;
  fileId: string | null;
  name: string;
  category: string;
  content: string;
  summary: string | null;
  uri: string;
  /** sha256 of the embedded text: the embedding cache key. */
  contentHash: string;
  metadata: Record<string, unknown>;
  timestamp: Date | null;
  /** Keyword weight B (the title path of a chunk): here the name and tags. */
  title: string;
}

/**
 * The name to store for a resource: its own, unless another resource already holds it (names are
 * unique per tenant), then `name (category)`. A moment and an engram of the same name both stay findable.
 */
export async function freeResourceName(db: SqlRunner, tenantId: string, id: string, name: string, category: string): Promise<string> {
  const rows = await db.query<{ id: string }>(`SELECT id FROM resources WHERE tenant_id = $1 AND name = $2`, [tenantId, name]);
  return rows.length === 0 || rows[0]?.id === id ? name : `${name} (${category})`;
}

/**
 * Insert or update one named resource by id. Metadata is merged key by key (jsonb ||): a re-upload
 * adds and changes keys without dropping what an earlier version or another writer put there.
 */
export async function upsertNamedResource(db: SqlRunner, tenantId: string, r: NamedResourceInput): Promise<void> {
  await db.query(
    `INSERT INTO resources (id, tenant_id, file_id, name, category, content, summary, ordinal, uri, content_hash, metadata,
       resource_timestamp, search_tsv)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 0, $8, $9, $10::jsonb, $11, ${SEARCH_TSV_SQL('$6::text', '$12::text', "''::text")})
     ON CONFLICT (id) DO UPDATE SET file_id = EXCLUDED.file_id, name = EXCLUDED.name, category = EXCLUDED.category,
       content = EXCLUDED.content, summary = EXCLUDED.summary, uri = EXCLUDED.uri, content_hash = EXCLUDED.content_hash,
       metadata = resources.metadata || EXCLUDED.metadata, resource_timestamp = EXCLUDED.resource_timestamp,
       search_tsv = EXCLUDED.search_tsv, updated_at = now()
     WHERE resources.tenant_id = EXCLUDED.tenant_id`,
    [r.id, tenantId, r.fileId, r.name, r.category, r.content, r.summary, r.uri, r.contentHash, JSON.stringify(r.metadata),
      r.timestamp, r.title],
  );
}

/** Delete one resource of the tenant by id; true when it existed. */
export async function deleteResource(db: SqlRunner, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(`DELETE FROM resources WHERE tenant_id = $1 AND id = $2 RETURNING id`, [tenantId, id]);
  return rows.length > 0;
}
