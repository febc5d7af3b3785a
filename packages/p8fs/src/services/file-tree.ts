import { Readable } from 'node:stream';
import { fileId } from '../domain/ids.js';
import type { Artifact, ChildFile } from '../domain/document.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { SqlRunner } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import { dedupBlob, lockContents } from './blob-refs.js';
import type { ArtifactRow } from './sql/artifacts.js';
import * as files from './sql/files.js';

// A member's uri is its container's uri, '!/', and its path inside (the jar: URL convention), so a
// chunk of it reads "inbox.mbox!/messages/0003-hello.eml!/attachments/report.pdf#page=2&chunk=5".
const MEMBER_SEPARATOR = '!/';

/** A child file whose bytes are in the blob store, ready to be recorded. */
export interface StoredChild {
  child: ChildFile;
  uri: string;
  blob: { key: string; sha256: string; size: number };
}

/** Put child files' bytes in the blob store (before the transaction: blob writes are not transactional). */
export async function storeChildren(blobs: BlobStore, parent: files.FileRow, children: ChildFile[]): Promise<StoredChild[]> {
  const out: StoredChild[] = [];
  for (const child of children) {
    const blob = await blobs.put(parent.tenant_id, Readable.from([child.bytes]));
    out.push({ child, uri: `${parent.uri}${MEMBER_SEPARATOR}${child.path}`, blob });
  }
  return out;
}

/** Put artifacts' bytes in the blob store. */
export async function storeArtifacts(blobs: BlobStore, tenantId: string, artifacts: Artifact[]): Promise<Omit<ArtifactRow, 'file_id'>[]> {
  const rows: Omit<ArtifactRow, 'file_id'>[] = [];
  for (const a of artifacts) {
    const blob = await blobs.put(tenantId, Readable.from([a.bytes]));
    rows.push({ name: a.name, role: a.role, mime_type: a.mimeType, size: blob.size, blob_key: blob.key, metadata: a.metadata ?? {} });
  }
  return rows;
}

/**
 * Record a container's members as files (inside the parse transaction) and queue the new or
 * changed ones; members the new version no longer has are deleted. Returns the blob keys that may
 * now be unused, to release after commit.
 */
export async function recordChildren(tx: SqlRunner, queue: JobQueue, parent: files.FileRow, stored: StoredChild[]): Promise<string[]> {
  const freed: string[] = [];
  const keep = new Set<string>();
  await lockContents(tx, parent.tenant_id, stored.map((s) => s.blob.sha256));
  for (const s of stored) {
    const id = fileId(parent.tenant_id, s.uri);
    keep.add(id);
    const existing = await files.getFile(tx, parent.tenant_id, id);
    // Same bytes as last time: nothing to redo (a failed member is retried, its cause may be fixed).
    // The copy just stored has a name of its own (encrypted blobs are named by their ciphertext): free it.
    if (existing && existing.content_hash === s.blob.sha256 && existing.status !== 'failed') {
      if (existing.blob_key !== s.blob.key) freed.push(s.blob.key);
      continue;
    }
    const blobKey = await dedupBlob(tx, parent.tenant_id, s.blob);
    if (blobKey !== s.blob.key) freed.push(s.blob.key);
    await files.upsertFile(tx, {
      id, tenant_id: parent.tenant_id, name: baseName(s.child.path), uri: s.uri, size: s.blob.size,
      mime_type: s.child.mimeType || 'application/octet-stream', content_hash: s.blob.sha256, blob_key: blobKey,
      metadata: { ...s.child.metadata, container_path: s.child.path }, parent_id: parent.id, depth: parent.depth + 1,
    });
    await queue.enqueue(parent.tenant_id, 'file.process', { file_id: id }, { tx, dedupeKey: `file:${id}` });
    if (existing && existing.blob_key !== blobKey) freed.push(existing.blob_key);
  }
  for (const old of await files.listChildren(tx, parent.tenant_id, parent.id)) {
    if (keep.has(old.id)) continue;
    freed.push(...(await files.subtreeBlobKeys(tx, parent.tenant_id, old.id)));
    await files.deleteFile(tx, parent.tenant_id, old.id);
  }
  return freed;
}

const baseName = (path: string): string => path.split('/').filter(Boolean).pop() ?? path;
