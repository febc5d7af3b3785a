import { MomentCreate, MomentListQuery, MomentPatch } from '@p8fs/contracts';
import type { z } from 'zod';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import { isUuid } from './files.js';
import { mirrorMoment, queueEmbedding, toMomentWrite, unmirrorMoment, writeMoment } from './moment-write.js';
import * as sql from './sql/moments.js';
import { requirePermission } from '../domain/scopes.js';

/** Input is validated here too, so every transport (HTTP, CLI in process, MCP) gets the same errors. */
function parse<S extends z.ZodType>(schema: S, input: unknown, where: string): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new AppError('validation_failed', r.error.issues.map((i) => `${[where, ...i.path].join('.')}: ${i.message}`).join('; '));
  return r.data;
}

const notFound = (id: string) => new AppError('not_found', `no moment ${id}`);

/**
 * Moments: time-bounded episodes, written by hand (API, CLI) or inside engrams. Each write also
 * updates the moment's search mirror (a resource of category 'moment') and its graph edges, in one
 * transaction, and queues the mirror's embedding.
 */
export class MomentsService {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
  ) {}

  /** Create a moment, or update the one with the same name. */
  async create(actor: Actor, input: MomentCreate): Promise<sql.MomentRow> {
    requirePermission(actor, 'vault:write');
    const m = parse(MomentCreate, input, 'body');
    return this.db.transaction(async (tx) => {
      const row = await writeMoment(tx, actor.tenantId, m);
      await queueEmbedding(tx, this.queue, actor.tenantId);
      return row;
    });
  }

  /** One moment of the actor's tenant, or not_found (another tenant's id included). */
  async get(actor: Actor, id: string): Promise<sql.MomentRow> {
    requirePermission(actor, 'vault:read');
    const row = isUuid(id) ? await sql.getMoment(this.db, actor.tenantId, id) : null;
    if (!row) throw notFound(id);
    return row;
  }

  /** A page of moments matching the filters, by start time. */
  async list(actor: Actor, input: z.input<typeof MomentListQuery>): Promise<{ rows: sql.MomentRow[]; total: number; query: MomentListQuery }> {
    requirePermission(actor, 'vault:read');
    const q = parse(MomentListQuery, input, 'query');
    const page = await sql.listMoments(this.db, actor.tenantId, {
      topics: q.topic, emotions: q.emotion, type: q.type, person: q.person, from: q.from, to: q.to, order: q.order, limit: q.limit, offset: q.offset,
    });
    return { ...page, query: q };
  }

  /** Change the given fields of a moment; metadata is merged key by key. A new name must be free. */
  async patch(actor: Actor, id: string, input: MomentPatch): Promise<sql.MomentRow> {
    requirePermission(actor, 'vault:write');
    const p = parse(MomentPatch, input, 'body');
    if (!isUuid(id)) throw notFound(id);
    return this.db.transaction(async (tx) => {
      const cur = await sql.getMoment(tx, actor.tenantId, id);
      if (!cur) throw notFound(id);
      if (p.name !== undefined && p.name !== cur.name && (await sql.getMomentByName(tx, actor.tenantId, p.name))) {
        throw new AppError('conflict', `a moment named "${p.name}" already exists`);
      }
      const merged = toMomentWrite(id, {
        name: p.name ?? cur.name, content: p.content ?? cur.content, summary: pick(p.summary, cur.summary),
        moment_type: pick(p.moment_type, cur.moment_type), starts_at: pick(p.starts_at, isoOrNull(cur.starts_at)),
        ends_at: pick(p.ends_at, isoOrNull(cur.ends_at)), present_persons: p.present_persons ?? cur.present_persons,
        speakers: p.speakers ?? cur.speakers, location: pick(p.location, cur.location), emotion_tags: p.emotion_tags ?? cur.emotion_tags,
        topic_tags: p.topic_tags ?? cur.topic_tags, metadata: { ...cur.metadata, ...(p.metadata ?? {}) },
      });
      if (merged.startsAt && merged.endsAt && merged.endsAt < merged.startsAt) {
        throw new AppError('validation_failed', 'body.ends_at: ends_at is before starts_at');
      }
      const row = (await sql.updateMoment(tx, actor.tenantId, merged)) as sql.MomentRow;
      if (row.name !== cur.name) await unmirrorMoment(tx, actor.tenantId, cur, true);
      await mirrorMoment(tx, actor.tenantId, row);
      await queueEmbedding(tx, this.queue, actor.tenantId);
      return row;
    });
  }

  /** Delete a moment and its search mirror. */
  async delete(actor: Actor, id: string): Promise<void> {
    requirePermission(actor, 'vault:write');
    if (!isUuid(id)) throw notFound(id);
    await this.db.transaction(async (tx) => {
      const row = await sql.deleteMoment(tx, actor.tenantId, id);
      if (!row) throw notFound(id);
      await unmirrorMoment(tx, actor.tenantId, row);
    });
  }
}

// PATCH: undefined keeps the stored value, null clears it.
const pick = <T>(given: T | null | undefined, stored: T | null): T | null => (given === undefined ? stored : given);
const isoOrNull = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);
