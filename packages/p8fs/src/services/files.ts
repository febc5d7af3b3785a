import type { Readable } from 'node:stream';
import type { ListFilesQuery } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { fileId } from '../domain/ids.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import * as sql from './sql/files.js';

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

/** Upload, list, read and delete files. Every method is scoped by the actor's tenant. */
export class FilesService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly maxBytes: number,
  ) {}

  /** Stream a file into the blob store and queue it for processing; identical content is a no-op. */
  async create(actor: Actor, meta: NewFile, body: Readable | AsyncIterable<Uint8Array>): Promise<CreateResult> {
    const name = meta.name.trim();
    if (!name) throw new AppError('validation_failed', 'a file needs a name');
    const blob = await this.blobs.put(actor.tenantId, body, { maxBytes: this.maxBytes });
    if (blob.size === 0) {
      await this.releaseBlob(actor.tenantId, blob.key);
      throw new AppError('file.empty', `${name} is empty`);
    }
    const id = fileId(actor.tenantId, meta.uri ?? name);
    const existing = await sql.getFile(this.db, actor.tenantId, id);
    if (existing && existing.content_hash === blob.sha256 && existing.status !== 'failed') {
      return { file: existing, unchanged: true };
    }
    const file = await this.db.transaction(async (tx) => {
      const row = await sql.upsertFile(tx, {
        id, tenant_id: actor.tenantId, name, uri: meta.uri ?? name, size: blob.size,
        mime_type: meta.mimeType || 'application/octet-stream', content_hash: blob.sha256, blob_key: blob.key,
        metadata: meta.metadata ?? {},
      });
      await this.queue.enqueue(actor.tenantId, 'file.process', { file_id: id }, { tx, dedupeKey: `file:${id}` });
      return row;
    });
    if (existing && existing.blob_key !== blob.key) await this.releaseBlob(actor.tenantId, existing.blob_key);
    this.log.info({ tenant: actor.tenantId, file: id, size: blob.size, replaced: !!existing }, 'file stored');
    return { file, unchanged: false };
  }

  /** A page of the tenant's files. */
  list(actor: Actor, q: ListFilesQuery & { uri?: string | undefined }): Promise<{ rows: sql.FileRow[]; total: number }> {
    return sql.listFiles(this.db, actor.tenantId, q);
  }

  /** One file, or file.not_found (also for another tenant's id: existence is not revealed). */
  async get(actor: Actor, id: string): Promise<sql.FileRow> {
    const row = isUuid(id) ? await sql.getFile(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('file.not_found', `no file ${id}`);
    return row;
  }

  /** The original bytes of a file as a stream. */
  async content(actor: Actor, id: string): Promise<{ file: sql.FileRow; stream: Readable }> {
    const file = await this.get(actor, id);
    return { file, stream: await this.blobs.get(actor.tenantId, file.blob_key) };
  }

  /** Delete a file, its resources and embeddings (cascade) and its blob when nothing else uses it. */
  async delete(actor: Actor, id: string): Promise<sql.FileRow> {
    const row = isUuid(id) ? await sql.deleteFile(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('file.not_found', `no file ${id}`);
    await this.releaseBlob(actor.tenantId, row.blob_key);
    this.log.info({ tenant: actor.tenantId, file: id }, 'file deleted');
    return row;
  }

  /** Delete a blob unless another file of the tenant has the same content. */
  private async releaseBlob(tenantId: string, key: string): Promise<void> {
    if ((await sql.countBlobRefs(this.db, tenantId, key)) === 0) await this.blobs.delete(tenantId, key);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** True for a syntactically valid UUID (anything else cannot be an id and is simply not found). */
export const isUuid = (s: string): boolean => UUID.test(s);
