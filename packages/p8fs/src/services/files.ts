import type { Readable } from 'node:stream';
import type { ListFilesQuery } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { type RangeRequest, type ResolvedRange, resolveRange } from '../domain/byte-range.js';
import { AppError, isAppError } from '../domain/errors.js';
import { fileId } from '../domain/ids.js';
import type { BlobStore, ByteRange } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import { dedupBlob, lockContents, releaseBlobs } from './blob-refs.js';
import { type ArtifactRow, getArtifact, listArtifacts } from './sql/artifacts.js';
import * as sql from './sql/files.js';
import { requirePermission } from '../domain/scopes.js';

/** What a caller says about an upload. uri defaults to the name; the same uri is the same file. */
export interface NewFile {
  name: string;
  uri?: string | undefined;
  mimeType?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
}

export interface CreateResult {
  file: sql.FileRow;
  unchanged: boolean;
}

/** A file's whole bytes. */
export type FileContent = { kind: 'full'; file: sql.FileRow; stream: Readable };
/** What a read with a range found: the whole file (no range), the bytes asked for, or none of them (HTTP 416). */
export type RangedContent =
  | FileContent
  | { kind: 'partial'; file: sql.FileRow; stream: Readable; range: ResolvedRange }
  | { kind: 'unsatisfiable'; file: sql.FileRow };

/** Upload, list, read and delete files. Every method is scoped by the actor's tenant. */
export class FilesService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly maxBytes: number,
    /** Each parser's current version, to find files an older version parsed. */
    private readonly parserVersions: Record<string, number> = {},
  ) {}

  /** Stream a file into the blob store and queue it for processing; identical content is a no-op. */
  async create(actor: Actor, meta: NewFile, body: Readable | AsyncIterable<Uint8Array>): Promise<CreateResult> {
    requirePermission(actor, 'vault:write');
    const name = meta.name.trim();
    if (!name) throw new AppError('validation_failed', 'a file needs a name');
    const blob = await this.blobs.put(actor.tenantId, body, { maxBytes: this.maxBytes });
    if (blob.size === 0) {
      await releaseBlobs(this.db, this.blobs, actor.tenantId, [blob.key]);
      throw new AppError('file.empty', `${name} is empty`);
    }
    const id = fileId(actor.tenantId, meta.uri ?? name);
    const existing = await sql.getFile(this.db, actor.tenantId, id);
    if (existing && existing.content_hash === blob.sha256 && existing.status !== 'failed') {
      // Encrypted blobs get a new name on every write: the bytes just stored are a second copy.
      if (existing.blob_key !== blob.key) await releaseBlobs(this.db, this.blobs, actor.tenantId, [blob.key]);
      return { file: existing, unchanged: true };
    }
    let blobKey = blob.key;
    const file = await this.db.transaction(async (tx) => {
      await lockContents(tx, actor.tenantId, [blob.sha256]);
      blobKey = await dedupBlob(tx, actor.tenantId, blob);
      const row = await sql.upsertFile(tx, {
        id, tenant_id: actor.tenantId, name, uri: meta.uri ?? name, size: blob.size,
        mime_type: meta.mimeType || 'application/octet-stream', content_hash: blob.sha256, blob_key: blobKey,
        metadata: meta.metadata ?? {},
      });
      await this.queue.enqueue(actor.tenantId, 'file.process', { file_id: id }, { tx, dedupeKey: `file:${id}` });
      return row;
    });
    const unused = [blobKey === blob.key ? null : blob.key, existing && existing.blob_key !== blobKey ? existing.blob_key : null];
    await releaseBlobs(this.db, this.blobs, actor.tenantId, unused.filter((k): k is string => k !== null));
    this.log.info({ tenant: actor.tenantId, file: id, size: blob.size, replaced: !!existing, deduplicated: blobKey !== blob.key }, 'file stored');
    return { file, unchanged: false };
  }

  /** A page of the tenant's files. */
  list(actor: Actor, q: ListFilesQuery & { uri?: string | undefined }): Promise<{ rows: sql.FileRow[]; total: number }> {
    requirePermission(actor, 'vault:read');
    return sql.listFiles(this.db, actor.tenantId, q);
  }

  /** One file, or file.not_found (also for another tenant's id: existence is not revealed). */
  async get(actor: Actor, id: string): Promise<sql.FileRow> {
    requirePermission(actor, 'vault:read');
    const row = isUuid(id) ? await sql.getFile(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('file.not_found', `no file ${id}`);
    return row;
  }

  /** The original bytes of a file as a stream. */
  content(actor: Actor, id: string): Promise<FileContent>;
  /**
   * With a range (null: none): only those bytes, resolved against the file's plaintext size, so the
   * blob store reads and decrypts only the segments they fall in; `unsatisfiable` when the file has none.
   */
  content(actor: Actor, id: string, range: RangeRequest | null): Promise<RangedContent>;
  async content(actor: Actor, id: string, range: RangeRequest | null = null): Promise<RangedContent> {
    requirePermission(actor, 'vault:read');
    const file = await this.get(actor, id);
    const bytes = range ? resolveRange(range, file.size) : null;
    if (range && !bytes) return { kind: 'unsatisfiable', file };
    const again = async () => (await sql.getFile(this.db, actor.tenantId, file.id))?.blob_key;
    const stream = await this.openBlob(actor.tenantId, file.blob_key, again, bytes ?? undefined);
    return bytes ? { kind: 'partial', file, stream, range: bytes } : { kind: 'full', file, stream };
  }

  /**
   * A blob's bytes. The blobs.encrypt job moves a blob to a new object and then deletes the old
   * one; a read that looked the key up just before gets not-found, so it asks for the key again, once.
   */
  private async openBlob(tenantId: string, key: string, currentKey: () => Promise<string | undefined>, range?: ByteRange): Promise<Readable> {
    try {
      return await this.blobs.get(tenantId, key, range);
    } catch (err) {
      if (!isAppError(err, 'file.not_found')) throw err;
      const now = await currentKey();
      if (!now || now === key) throw err;
      return this.blobs.get(tenantId, now, range);
    }
  }

  /**
   * Delete a file with everything derived from it: resources and embeddings, the files found inside
   * it (archive members, attachments) and their artifacts (all by cascade), then the blobs nothing
   * else uses.
   */
  async delete(actor: Actor, id: string): Promise<sql.FileRow> {
    requirePermission(actor, 'vault:write');
    const keys = isUuid(id) ? await sql.subtreeBlobKeys(this.db, actor.tenantId, id) : [];
    const row = isUuid(id) ? await sql.deleteFile(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('file.not_found', `no file ${id}`);
    await releaseBlobs(this.db, this.blobs, actor.tenantId, keys);
    this.log.info({ tenant: actor.tenantId, file: id, blobs: keys.length }, 'file deleted');
    return row;
  }

  /**
   * Queue files to be processed again: given ids, files an older parser version read (`stale`),
   * and failed files (`failed`, e.g. once a missing tool is installed). Returns how many.
   */
  async reprocess(actor: Actor, what: { ids?: string[] | undefined; stale?: boolean | undefined; failed?: boolean | undefined }): Promise<{ queued: number }> {
    requirePermission(actor, 'vault:write');
    const ids = (what.ids ?? []).filter(isUuid);
    if (!what.stale && !what.failed && ids.length === 0) throw new AppError('validation_failed', 'say which files: ids, stale or failed');
    const queued = await this.db.transaction(async (tx) => {
      const marked = await sql.markForReprocess(tx, actor.tenantId, {
        ids, stale: what.stale ? { current: this.parserVersions } : undefined, failed: what.failed,
      });
      for (const id of marked) await this.queue.enqueue(actor.tenantId, 'file.process', { file_id: id }, { tx, dedupeKey: `file:${id}` });
      return marked.length;
    });
    this.log.info({ tenant: actor.tenantId, queued, ...what }, 'files queued for reprocessing');
    return { queued };
  }

  /** A file's thumbnails and keyframes. */
  async artifacts(actor: Actor, id: string): Promise<ArtifactRow[]> {
    requirePermission(actor, 'vault:read');
    const file = await this.get(actor, id);
    return listArtifacts(this.db, actor.tenantId, file.id);
  }

  /** The bytes of one artifact of a file. */
  async artifactContent(actor: Actor, id: string, name: string): Promise<{ artifact: ArtifactRow; stream: Readable }> {
    requirePermission(actor, 'vault:read');
    const file = await this.get(actor, id);
    const artifact = await getArtifact(this.db, actor.tenantId, file.id, name);
    if (!artifact) throw new AppError('not_found', `file ${id} has no artifact ${name}`);
    const again = async () => (await getArtifact(this.db, actor.tenantId, file.id, name))?.blob_key;
    return { artifact, stream: await this.openBlob(actor.tenantId, artifact.blob_key, again) };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** True for a syntactically valid UUID (anything else cannot be an id and is simply not found). */
export const isUuid = (s: string): boolean => UUID.test(s);
