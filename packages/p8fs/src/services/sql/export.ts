import type { SqlRunner } from '../../ports/db.js';
import { RESOURCE_COLS, type ResourceRow } from './resources.js';

/** A resource with the text form of its vector (`[0.1,0.2]`), null when none of that provider. */
export interface ExportResourceRow extends ResourceRow {
  embedding_text: string | null;
}

/** One page of the tenant's resources by id after `after` (keyset: stable while the vault changes). */
export async function resourcePage(db: SqlRunner, tenantId: string, after: string | null, limit: number, providerId: string | null): Promise<ExportResourceRow[]> {
  const cols = RESOURCE_COLS.split(',').map((c) => `r.${c.trim()}`).join(', ');
  return db.query<ExportResourceRow>(
    `SELECT ${cols}, ${providerId ? 'e.embedding::text' : 'NULL::text'} AS embedding_text
       FROM resources r
       ${providerId ? 'LEFT JOIN embeddings e ON e.tenant_id = r.tenant_id AND e.resource_id = r.id AND e.provider_id = $4' : ''}
      WHERE r.tenant_id = $1 AND ($2::uuid IS NULL OR r.id > $2::uuid)
      ORDER BY r.id LIMIT $3`,
    providerId ? [tenantId, after, limit, providerId] : [tenantId, after, limit],
  );
}

/** An edges row as exported. */
export interface EdgeRow {
  id: string;
  src_label: string;
  src_key: string;
  rel_type: string;
  dst_label: string;
  dst_key: string;
  weight: number;
  properties: Record<string, unknown>;
  origin: string;
  source_file_id: string | null;
  created_at: Date;
  updated_at: Date;
}

/** One page of the tenant's edges by id after `after`. */
export function edgePage(db: SqlRunner, tenantId: string, after: string | null, limit: number): Promise<EdgeRow[]> {
  return db.query<EdgeRow>(
    `SELECT id, src_label, src_key, rel_type, dst_label, dst_key, weight, properties, origin, source_file_id, created_at, updated_at
       FROM edges WHERE tenant_id = $1 AND ($2::uuid IS NULL OR id > $2::uuid) ORDER BY id LIMIT $3`,
    [tenantId, after, limit],
  );
}
