import type { ExportPageQuery } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { requirePermission } from '../domain/scopes.js';
import type { Db } from '../ports/db.js';
import * as sql from './sql/export.js';

/** A page of rows and the id to continue after (null: that was the last page). */
export interface ExportPage<T> {
  rows: T[];
  nextAfter: string | null;
  /** The provider whose vectors the rows carry; null when vectors were not asked for. */
  provider: string | null;
}

/**
 * The pages `p8fs export` needs beyond the ordinary list routes: every resource of the tenant (files'
 * chunks, notes, moments' mirrors, sessions), optionally with vectors, and the graph's edges. Keyset
 * pages by id, so an export that runs while the vault changes neither repeats nor skips a row that
 * stays. Read-only: the data is the user's, in open formats (issue 19).
 */
export class ExportService {
  constructor(private readonly db: Db, private readonly providerId: () => string) {}

  /** One page of resources; vectors of the active embedding provider when asked. */
  async resources(actor: Actor, q: ExportPageQuery): Promise<ExportPage<sql.ExportResourceRow>> {
    requirePermission(actor, 'vault:read');
    const provider = q.vectors ? this.providerId() : null;
    const rows = await sql.resourcePage(this.db, actor.tenantId, q.after ?? null, q.limit, provider);
    return { rows, nextAfter: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null, provider };
  }

  /** One page of the graph's edges. */
  async edges(actor: Actor, q: ExportPageQuery): Promise<ExportPage<sql.EdgeRow>> {
    requirePermission(actor, 'vault:read');
    const rows = await sql.edgePage(this.db, actor.tenantId, q.after ?? null, q.limit);
    return { rows, nextAfter: rows.length === q.limit ? (rows.at(-1)?.id ?? null) : null, provider: null };
  }
}
