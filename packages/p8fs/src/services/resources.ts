import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { sha256, uuid5 } from '../domain/ids.js';
import { embeddingText, neighbourContexts } from '../domain/search-text.js';
import type { Db } from '../ports/db.js';
import { isUuid } from './files.js';
import { getFile } from './sql/files.js';
import * as sql from './sql/resources.js';
import { requirePermission } from '../domain/scopes.js';

/** One resource of a sequence written directly (a conversation turn, a note), not parsed from a file. */
export interface NewResource {
  /** Unique within the tenant; the id is derived from it, so writing the same name again updates. */
  name: string;
  content: string;
  uri?: string;
  category?: string;
  metadata?: Record<string, unknown>;
  timestamp?: Date | null;
  /** Title path for the keyword index (weight B). */
  title?: string;
}

/** Read resources, and write sequences of them. Files' resources are written by the ingest pipeline. */
export class ResourcesService {
  constructor(private readonly db: Db) {}

  /** One resource of the actor's tenant, or resource.not_found. */
  async get(actor: Actor, id: string): Promise<sql.ResourceRow> {
    requirePermission(actor, 'vault:read');
    const row = isUuid(id) ? await sql.getResource(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('resource.not_found', `no resource ${id}`);
    return row;
  }

  /** The resources (chunks) of a file, in order; file.not_found when the tenant has no such file. */
  async listForFile(actor: Actor, fileId: string): Promise<sql.ResourceRow[]> {
    requirePermission(actor, 'vault:read');
    // An empty list would not tell a deleted or mistyped file from one that has no chunks yet.
    const file = isUuid(fileId) ? await getFile(this.db, actor.tenantId, fileId) : null;
    if (!file) throw new AppError('file.not_found', `no file ${fileId}`);
    return sql.listFileResources(this.db, actor.tenantId, fileId);
  }

  /**
   * Upsert resources that read in order (turns of a conversation): each gets its neighbours as
   * keyword context, exactly as a file's chunks do. They become keyword-searchable at once; vectors
   * follow from EmbeddingService.embedPending. Returns the ids in input order.
   */
  async writeSequence(actor: Actor, items: readonly NewResource[]): Promise<string[]> {
    requirePermission(actor, 'vault:write');
    if (items.some((r) => !r.name.trim())) throw new AppError('validation_failed', 'a resource needs a name');
    const contexts = neighbourContexts(items.map((r) => r.content));
    const rows: sql.ResourceInput[] = items.map((r, i) => ({
      id: uuid5(actor.tenantId, 'resource', r.name),
      fileId: null,
      name: r.name,
      category: r.category ?? 'note',
      content: r.content,
      ordinal: i,
      uri: r.uri ?? r.name,
      contentHash: sha256(embeddingText(r.content)),
      metadata: r.metadata ?? {},
      timestamp: r.timestamp ?? null,
      title: r.title ?? '',
      context: contexts[i] ?? '',
    }));
    // Slices keep each statement's parameter arrays modest; the transaction keeps the sequence whole.
    await this.db.transaction(async (tx) => {
      for (let i = 0; i < rows.length; i += 500) await sql.upsertResources(tx, actor.tenantId, rows.slice(i, i + 500));
    });
    return rows.map((r) => r.id);
  }
}
