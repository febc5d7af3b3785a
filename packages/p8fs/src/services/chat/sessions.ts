import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { requirePermission } from '../../domain/scopes.js';
import type { Db } from '../../ports/db.js';
import { isUuid } from '../files.js';
import * as sql from '../sql/sessions.js';

/** Chat sessions as their owner sees them: list, read with every message, delete. */
export class SessionsService {
  constructor(private readonly db: Db) {}

  /** The tenant's chat sessions, most recently used first. */
  list(actor: Actor, page: { limit: number; offset: number }): Promise<{ rows: sql.SessionRow[]; total: number }> {
    requirePermission(actor, 'vault:read');
    return sql.listSessions(this.db, actor.tenantId, page.limit, page.offset);
  }

  /** One session with all its messages (compacted ones too), or not_found (another tenant's included). */
  async get(actor: Actor, id: string): Promise<{ session: sql.SessionRow; messages: sql.SessionMessageRow[] }> {
    requirePermission(actor, 'vault:read');
    const session = isUuid(id) ? await sql.getSession(this.db, actor.tenantId, id) : null;
    if (!session) throw new AppError('not_found', `no session ${id}`);
    return { session, messages: await sql.listMessages(this.db, actor.tenantId, id) };
  }

  /** Delete a session, its messages and its searchable turns. */
  async delete(actor: Actor, id: string): Promise<void> {
    requirePermission(actor, 'vault:write');
    if (!isUuid(id)) throw new AppError('not_found', `no session ${id}`);
    const deleted = await this.db.transaction(async (tx) => {
      const gone = await sql.deleteSession(tx, actor.tenantId, id);
      if (gone) await sql.deleteSessionResources(tx, actor.tenantId, id);
      return gone;
    });
    if (!deleted) throw new AppError('not_found', `no session ${id}`);
  }
}
