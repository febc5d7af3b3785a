import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Db } from '../ports/db.js';
import { isUuid } from './files.js';
import * as sql from './sql/resources.js';

/** Read resources. Writers are the ingest pipeline (and, later, notes and engrams). */
export class ResourcesService {
  constructor(private readonly db: Db) {}

  /** One resource of the actor's tenant, or resource.not_found. */
  async get(actor: Actor, id: string): Promise<sql.ResourceRow> {
    const row = isUuid(id) ? await sql.getResource(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('resource.not_found', `no resource ${id}`);
    return row;
  }

  /** The resources (chunks) of a file, in order. */
  listForFile(actor: Actor, fileId: string): Promise<sql.ResourceRow[]> {
    return sql.listFileResources(this.db, actor.tenantId, fileId);
  }
}
