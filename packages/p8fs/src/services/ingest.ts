import { chunkDocument, type Chunk } from '../domain/chunking.js';
import { isAppError } from '../domain/errors.js';
import { chunkId, sha256 } from '../domain/ids.js';
import { embeddingText, neighbourContext } from '../domain/search-text.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { ParsedDocument, ParserRegistry, ParserResolution } from '../ports/parser.js';
import type { EmbeddingService } from './embeddings.js';
import * as files from './sql/files.js';
import * as res from './sql/resources.js';

export interface IngestOptions {
  chunkTokens: number;
  chunkOverlapTokens: number;
}

export type ProcessOutcome = 'processed' | 'skipped' | 'superseded' | 'failed';

/**
 * The file pipeline: blob -> parser -> chunks -> resources (keyword-searchable at once) ->
 * resources.embed job -> vectors -> indexed. Each step is idempotent, so a job may run twice.
 */
export class IngestService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly parsers: ParserRegistry,
    private readonly queue: JobQueue,
    private readonly embeddings: EmbeddingService,
    private readonly log: Logger,
    private readonly opts: IngestOptions,
  ) {}

  /** Job file.process: parse and chunk a file into resources. Parser errors fail the file, not the job. */
  async processFile(tenantId: string, fileId: string): Promise<ProcessOutcome> {
    const file = await files.getFile(this.db, tenantId, fileId);
    if (!file || file.status === 'indexed') return 'skipped';
    await files.setFileStatus(this.db, tenantId, fileId, 'processing');
    let doc: ParsedDocument;
    let resolved: ParserResolution;
    try {
      const bytes = await this.blobs.read(tenantId, file.blob_key);
      resolved = await this.parsers.resolve({ name: file.name, bytes, declaredType: file.mime_type });
      doc = await resolved.parser.parse({ bytes, name: file.name, mimeType: resolved.mimeType });
    } catch (err) {
      if (!isAppError(err) || !err.code.startsWith('parser.')) throw err;
      await this.failFile(tenantId, fileId, err.code, err.message);
      return 'failed';
    }
    const chunks = chunkDocument(doc, { chunkTokens: this.opts.chunkTokens, overlapTokens: this.opts.chunkOverlapTokens });
    if (chunks.length === 0) {
      await this.failFile(tenantId, fileId, 'parser.failed', `${file.name}: no text content found`);
      return 'failed';
    }
    const rows = toResources(file, doc, chunks);
    const outcome = await this.db.transaction(async (tx) => {
      // A newer upload replaced the content while we parsed: its own job will index it.
      if ((await files.lockFileHash(tx, tenantId, fileId)) !== file.content_hash) return 'superseded' as const;
      await res.upsertResources(tx, tenantId, rows);
      await res.deleteResourcesFrom(tx, tenantId, fileId, rows.map((r) => r.id));
      await files.recordParse(tx, tenantId, fileId, {
        mimeType: resolved.mimeType, parser: { id: resolved.parser.id, version: resolved.parser.version },
        resourceCount: rows.length, metadata: { title: doc.title, ...doc.metadata },
      });
      await this.queue.enqueue(tenantId, 'resources.embed', { file_id: fileId }, { tx, dedupeKey: `embed:${fileId}` });
      return 'processed' as const;
    });
    this.log.info({ tenant: tenantId, file: fileId, parser: resolved.parser.id, chunks: rows.length, outcome }, 'file parsed');
    return outcome;
  }

  /** Job resources.embed: vectors for a file's resources, then the file is indexed. */
  async embedFile(tenantId: string, fileId: string | null): Promise<void> {
    const r = await this.embeddings.embedPending(tenantId, fileId);
    if (fileId) {
      const file = await files.getFile(this.db, tenantId, fileId);
      if (file) await files.markIndexed(this.db, tenantId, fileId, file.content_hash);
    }
    this.log.debug({ tenant: tenantId, file: fileId, ...r }, 'embedded');
  }

  /** Embedding gave up: the file is failed with the reason, its resources stay keyword-searchable. */
  async embedFailed(tenantId: string, fileId: string, message: string): Promise<void> {
    await files.setFileStatus(this.db, tenantId, fileId, 'failed', { error: { code: 'embedder.unavailable', message } });
  }

  /** Mark a file failed with a readable reason; its stale resources are removed. */
  async failFile(tenantId: string, fileId: string, code: string, message: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      await res.deleteResourcesFrom(tx, tenantId, fileId, []);
      await files.setFileStatus(tx, tenantId, fileId, 'failed', { error: { code, message }, resourceCount: 0 });
    });
    this.log.warn({ tenant: tenantId, file: fileId, code, error: message }, 'file failed');
  }
}

/** Resources for a file's chunks: deterministic ids, provenance uris, neighbour context. */
function toResources(file: files.FileRow, doc: ParsedDocument, chunks: Chunk[]): res.ResourceInput[] {
  const texts = chunks.map((c) => c.text);
  return chunks.map((c, i) => {
    const fragment = c.page != null ? `#page=${c.page}&chunk=${c.ordinal}` : `#chunk=${c.ordinal}`;
    const uri = `${file.uri}${fragment}`;
    const title = [doc.title ?? file.name, ...c.headingPath].join(' › ');
    return {
      id: chunkId(file.id, c.ordinal),
      fileId: file.id,
      name: uri,
      category: 'document',
      content: c.text,
      ordinal: c.ordinal,
      uri,
      contentHash: sha256(embeddingText(c.text, c.headingPath)),
      metadata: { heading_path: c.headingPath, page: c.page, tokens: c.tokens, file_name: file.name, title: doc.title },
      timestamp: null,
      title,
      context: neighbourContext(texts, i),
    };
  });
}
