import { createHash } from 'node:crypto';
import { edgeKey, type EdgeData, fileKey, type MomentData, momentKey } from '../../domain/e2e/records.js';
import type { SqlRunner } from '../../ports/db.js';
import { type LocalFileRow, localFiles, localMoments, localUserEdges } from '../sql/sync-state.js';

// The canonical objects of a replica, as sync sees them (decision 0018): top-level files, moments
// and user-written edges. Everything else (chunks, vectors, archive members, moment mirrors, edges a
// file or moment implies) is derived and rebuilt on each device. A digest per object says whether
// it changed since the last push or apply.

export type LocalObject =
  | { key: string; kind: 'file'; digest: string; file: LocalFileRow }
  | { key: string; kind: 'moment'; digest: string; data: MomentData }
  | { key: string; kind: 'edge'; digest: string; data: EdgeData };

/** JSON with keys sorted at every level: the same value always gives the same text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

const digest = (v: unknown): string => createHash('sha256').update(stableJson(v)).digest('hex');

/** A file's digest: what a record carries and a receiver reproduces (uri, name, content). */
export const fileDigest = (f: Pick<LocalFileRow, 'uri' | 'name' | 'content_hash'>): string => digest(['file', f.uri, f.name, f.content_hash]);

const iso = (d: unknown): string | null => (d ? new Date(d as string).toISOString() : null);

/** A moment row as a record carries it: the fields a person writes (MomentCreate). */
export function momentData(row: Record<string, unknown>): MomentData {
  return {
    name: row.name as string, content: row.content, summary: row.summary, moment_type: row.moment_type,
    starts_at: iso(row.starts_at), ends_at: iso(row.ends_at), present_persons: row.present_persons, speakers: row.speakers,
    location: row.location, emotion_tags: row.emotion_tags, topic_tags: row.topic_tags, metadata: row.metadata,
  };
}

/** Every canonical object of the replica, by key. */
export async function scanLocal(db: SqlRunner, tenantId: string): Promise<Map<string, LocalObject>> {
  const out = new Map<string, LocalObject>();
  for (const f of await localFiles(db, tenantId)) out.set(fileKey(f.uri), { key: fileKey(f.uri), kind: 'file', digest: fileDigest(f), file: f });
  for (const row of await localMoments(db, tenantId)) {
    const data = momentData(row);
    out.set(momentKey(data.name), { key: momentKey(data.name), kind: 'moment', digest: digest(data), data });
  }
  for (const e of await localUserEdges(db, tenantId)) {
    const data: EdgeData = { src: e.src_label, rel: e.rel_type, dst: e.dst_label, weight: e.weight, properties: e.properties };
    const key = edgeKey(data.src, data.rel, data.dst);
    out.set(key, { key, kind: 'edge', digest: digest(data), data });
  }
  return out;
}

/** One object of the replica as it stands now, or null when it does not exist. */
export async function readLocal(db: SqlRunner, tenantId: string, key: string): Promise<LocalObject | null> {
  if (key.startsWith('file:')) {
    const [f] = await localFiles(db, tenantId, key.slice(5));
    return f ? { key, kind: 'file', digest: fileDigest(f), file: f } : null;
  }
  if (key.startsWith('moment:')) {
    const [row] = await localMoments(db, tenantId, key.slice(7));
    if (!row) return null;
    const data = momentData(row);
    return { key, kind: 'moment', digest: digest(data), data };
  }
  if (key.startsWith('edge:')) {
    for (const e of await localUserEdges(db, tenantId)) {
      const data: EdgeData = { src: e.src_label, rel: e.rel_type, dst: e.dst_label, weight: e.weight, properties: e.properties };
      if (edgeKey(data.src, data.rel, data.dst) === key) return { key, kind: 'edge', digest: digest(data), data };
    }
  }
  return null;
}
