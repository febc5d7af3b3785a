import { Readable } from 'node:stream';
import { fromB64u } from '../../domain/e2e/bytes.js';
import { parseHlc } from '../../domain/e2e/hlc.js';
import { edgeKey, fileKey, momentKey, type SyncRecord } from '../../domain/e2e/records.js';
import { isAppError } from '../../domain/errors.js';
import { localMoments } from '../sql/sync-state.js';
import type { SyncDeps } from './deps.js';
import { readLocal } from './local-objects.js';

/** What applying a record did: changed the replica, or refused a record that cannot be applied. */
export type ApplyOutcome = 'applied' | 'rejected';

// Codes that say the record itself cannot be applied (its blob is gone, altered or refused by the
// replica): retrying would not help. Anything else (the relay unreachable) is thrown, and the page
// is pulled again next time.
const FINAL = ['blob.corrupt', 'not_found', 'file.not_found', 'file.empty', 'file.too_large', 'validation_failed', 'conflict'] as const;

/** Whether a record's key names what its data says (a record for one key carrying another object's data is refused). */
export function keyMatches(r: SyncRecord): boolean {
  if (r.op === 'delete') return r.key.startsWith(`${r.kind}:`);
  if (r.kind === 'file') return r.key === fileKey(r.data.uri);
  if (r.kind === 'moment') return r.key === momentKey(r.data.name);
  if (r.kind === 'edge') return r.key === edgeKey(r.data.src, r.data.rel, r.data.dst);
  return r.key === `member:${r.data.device_id}`;
}

/**
 * Make the replica say what a winning record says, through the replica's own services: a file's
 * sealed bytes are fetched, opened and ingested like any upload (parsed, chunked, embedded here),
 * a moment is written, an edge added, a delete deletes. Returns the bytes fetched.
 */
export async function applyRecord(deps: SyncDeps, r: SyncRecord): Promise<{ outcome: ApplyOutcome; bytes: number }> {
  try {
    return { outcome: 'applied', bytes: await apply(deps, r) };
  } catch (err) {
    if (!FINAL.some((c) => isAppError(err, c))) throw err;
    deps.log.warn({ key: r.kind, code: (err as { code: string }).code, err: (err as Error).message }, 'e2e: a record could not be applied; skipped');
    return { outcome: 'rejected', bytes: 0 };
  }
}

async function apply(deps: SyncDeps, r: SyncRecord): Promise<number> {
  const { owner } = deps;
  const cur = await readLocal(deps.db, owner.tenantId, r.key);
  if (r.op === 'delete') {
    if (cur?.kind === 'file') await deps.files.delete(owner, cur.file.id);
    if (cur?.kind === 'edge') await deps.graph.removeEdge(owner, cur.data.src, cur.data.rel, cur.data.dst);
    if (cur?.kind === 'moment') {
      const [row] = await localMoments(deps.db, owner.tenantId, cur.data.name);
      if (row) await deps.moments.delete(owner, row.id as string);
    }
    return 0;
  }
  if (r.kind === 'moment') {
    await deps.moments.create(owner, r.data as never);
    return 0;
  }
  if (r.kind === 'edge') {
    await deps.graph.addEdges(owner, [{ src: r.data.src, rel: r.data.rel, dst: r.data.dst, weight: r.data.weight, properties: r.data.properties }]);
    return 0;
  }
  if (r.kind !== 'file') return 0;
  const d = r.data;
  if (cur?.kind === 'file' && cur.file.content_hash === d.sha256 && cur.file.name === d.name) return 0;
  const sealed = await deps.relay.getBlob(d.blob.id);
  let bytes = 0;
  const counted = (async function* () {
    for await (const c of sealed) {
      bytes += (c as Uint8Array).byteLength;
      yield c as Uint8Array;
    }
  })();
  const plain = Readable.from(deps.cipher.open(counted, fromB64u(d.blob.key), d.blob.id, d.size));
  const { file } = await deps.files.create(owner, { name: d.name, uri: d.uri, mimeType: d.mime_type || undefined, metadata: d.metadata }, plain);
  if (file.content_hash !== d.sha256) deps.log.warn({ file: file.id }, 'e2e: a synced file\'s content does not hash as its record says');
  return bytes;
}

/**
 * A file this device pushed is about to be replaced or deleted by a concurrent change from another
 * device that won (it had not seen ours). Ours is kept under a conflict name, as a new file that the
 * next push sends to every device: no device loses a file it uploaded.
 */
export async function keepConflictCopy(deps: SyncDeps, key: string, ourHlc: string, ourDevice: string): Promise<boolean> {
  const cur = await readLocal(deps.db, deps.owner.tenantId, key);
  if (cur?.kind !== 'file') return false;
  const tag = conflictTag(ourHlc, ourDevice);
  const { stream } = await deps.files.content(deps.owner, cur.file.id);
  await deps.files.create(deps.owner, {
    name: withTag(cur.file.name, tag), uri: withTag(cur.file.uri, tag), mimeType: cur.file.mime_type,
    metadata: { ...cur.file.metadata, conflict_of: cur.file.uri },
  }, stream);
  return true;
}

/** "conflict 2026-12-08 101530 1a2b3c4d": when and on which device the losing version was written. */
function conflictTag(hlc: string, device: string): string {
  const wall = parseHlc(hlc)?.wall ?? 0;
  const t = new Date(wall).toISOString();
  return `conflict ${t.slice(0, 10)} ${t.slice(11, 19).replace(/:/g, '')} ${device.slice(0, 8)}`;
}

/** "notes/a.md" with a tag: "notes/a (tag).md". */
function withTag(path: string, tag: string): string {
  const slash = path.lastIndexOf('/');
  const dot = path.lastIndexOf('.');
  return dot > slash + 1 ? `${path.slice(0, dot)} (${tag})${path.slice(dot)}` : `${path} (${tag})`;
}
