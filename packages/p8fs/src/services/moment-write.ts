import type { MomentCreateParsed } from '@p8fs/contracts';
import { sha256, uuid5 } from '../domain/ids.js';
import { embeddingText } from '../domain/search-text.js';
import type { SqlRunner } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { EdgeInput } from './graph/types.js';
import { upsertEdges } from './sql/graph.js';
import * as sql from './sql/moments.js';
import { deleteResource, freeResourceName, upsertNamedResource } from './sql/named-resources.js';

/** The origin of the edges a moment's own fields imply (persons, speakers, topics). */
const MOMENT_ORIGIN = 'moment';

/** A moment's id: the same name in the same tenant is the same moment. */
export const momentId = (tenantId: string, name: string): string => uuid5(tenantId, 'moment', name);

/** The id of the resource that mirrors a moment for search. Derived from the moment, so a rename keeps it. */
export const momentResourceId = (tenantId: string, id: string): string => uuid5(tenantId, 'moment-resource', id);

/** What a moment write stores: the contract's fields with the defaults filled in. */
export function toMomentWrite(id: string, m: MomentCreateParsed): sql.MomentWrite {
  return {
    id, name: m.name, content: m.content ?? '', summary: m.summary ?? null, momentType: m.moment_type ?? null,
    startsAt: m.starts_at ?? null, endsAt: m.ends_at ?? null, presentPersons: m.present_persons ?? [], speakers: m.speakers ?? [],
    location: m.location ?? null, emotionTags: m.emotion_tags ?? [], topicTags: m.topic_tags ?? [], metadata: m.metadata ?? {},
  };
}

/**
 * Upsert a moment (by name) with its search mirror and graph edges, inside the caller's transaction.
 * Vectors follow from queueEmbedding.
 */
export async function writeMoment(tx: SqlRunner, tenantId: string, m: MomentCreateParsed): Promise<sql.MomentRow> {
  const row = await sql.upsertMoment(tx, tenantId, toMomentWrite(momentId(tenantId, m.name), m));
  await mirrorMoment(tx, tenantId, row);
  return row;
}

/**
 * After a moment row changed: rewrite its search mirror, and make its person and topic edges say what
 * the row says now (edges of origin 'moment' it no longer implies go; others, like an engram's, stay).
 */
export async function mirrorMoment(tx: SqlRunner, tenantId: string, row: sql.MomentRow): Promise<void> {
  const id = momentResourceId(tenantId, row.id);
  const content = momentText(row);
  await upsertNamedResource(tx, tenantId, {
    id, fileId: null, name: await freeResourceName(tx, tenantId, id, row.name, 'moment'), category: 'moment', content,
    summary: row.summary, uri: `p8fs://moments/${row.id}`, contentHash: sha256(embeddingText(content)),
    metadata: { moment_id: row.id, moment_type: row.moment_type, ends_at: row.ends_at ? iso(row.ends_at) : null },
    timestamp: row.starts_at, title: [row.name, ...row.topic_tags].join(' '),
  });
  const keep = await upsertEdges(tx, tenantId, momentEdges(row), { origin: MOMENT_ORIGIN });
  await sql.pruneMomentEdges(tx, tenantId, row.name, MOMENT_ORIGIN, keep);
}

/** Remove a moment's search mirror and the edges its fields made (after a delete, or from the old name after a rename). */
export async function unmirrorMoment(tx: SqlRunner, tenantId: string, row: Pick<sql.MomentRow, 'id' | 'name'>, keepMirror = false): Promise<void> {
  if (!keepMirror) await deleteResource(tx, tenantId, momentResourceId(tenantId, row.id));
  await sql.pruneMomentEdges(tx, tenantId, row.name, MOMENT_ORIGIN, []);
}

/** Mirrors have no file: one tenant-wide embedding pass picks them up (deduplicated while queued). */
export async function queueEmbedding(tx: SqlRunner, queue: JobQueue, tenantId: string): Promise<void> {
  await queue.enqueue(tenantId, 'resources.embed', { file_id: null }, { tx, dedupeKey: 'embed:unfiled' });
}

/** Who was there, who spoke and what it was about, as edges from the moment's name. */
export function momentEdges(row: Pick<sql.MomentRow, 'name' | 'present_persons' | 'speakers' | 'topic_tags'>): EdgeInput[] {
  return [
    ...row.present_persons.map((p) => ({ src: row.name, rel: 'present', dst: p.name, dstType: 'person' })),
    ...row.speakers.map((p) => ({ src: row.name, rel: 'spoke', dst: p.name, dstType: 'person' })),
    ...row.topic_tags.map((t) => ({ src: row.name, rel: 'tagged', dst: t, dstType: 'topic' })),
  ];
}

/** The moment as readable text: what keyword search indexes and the embedder reads. */
export function momentText(row: sql.MomentRow): string {
  const names = (ps: sql.MomentPersonRow[]) => ps.map((p) => p.name).join(', ');
  const when = row.starts_at ? `${iso(row.starts_at)}${row.ends_at ? ` to ${iso(row.ends_at)}` : ''}` : '';
  const lines = [
    row.name, row.summary ?? '', row.content,
    when && `When: ${when}`, row.location ? `Where: ${row.location}` : '', row.moment_type ? `Type: ${row.moment_type}` : '',
    row.present_persons.length ? `Present: ${names(row.present_persons)}` : '', row.speakers.length ? `Speakers: ${names(row.speakers)}` : '',
    row.topic_tags.length ? `Topics: ${row.topic_tags.join(', ')}` : '', row.emotion_tags.length ? `Emotions: ${row.emotion_tags.join(', ')}` : '',
  ];
  return lines.filter((l) => l.trim() !== '').join('\n');
}

// Drivers hand back Date objects; a row built from JSON may carry strings.
const iso = (d: Date | string): string => (d instanceof Date ? d : new Date(d)).toISOString();
