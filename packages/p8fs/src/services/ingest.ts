import { chunkDocument, type Chunk } from '../domain/chunking.js';
import { isAppError } from '../domain/errors.js';
import { chunkId, sha256 } from '../domain/ids.js';
import { embeddingText, neighbourContext } from '../domain/search-text.js';
import type { BlobStore } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { ParsedDocument, ParseOutcome, ParseRunner } from '../ports/parser.js';
import type { EmbeddingService } from './embeddings.js';
import { releaseBlobs } from './blob-refs.js';
import { DERIVERS, type Deriver } from './derive/index.js';
import { recordChildren, storeArtifacts, storeChildren } from './file-tree.js';
import { replaceArtifacts } from './sql/artifacts.js';
import * as files from './sql/files.js';
import * as res from './sql/resources.js';
import { contentDate } from '../domain/content-date.js';

export interface IngestOptions {
  chunkTokens: number;
  chunkOverlapTokens: number;
  /** Derived rows beyond resources (edges, moments, agents); DERIVERS unless a test narrows it. */
  derivers?: readonly Deriver[];
}

export type ProcessOutcome = 'processed' | 'skipped' | 'superseded' | 'failed';

// Errors that are the file's fault (or a missing tool or provider it needs): they fail the file
// with their code and message. Anything else is ours, and the job retries.
const FILE_FAULTS = /^(parser|transcriber)\./;

/** What a file row keeps of a parse: the format metadata, and members a container refused. */
function fileMetadata(doc: ParsedDocument): Record<string, unknown> {
  const meta: Record<string, unknown> = { title: doc.title, ...doc.metadata };
  if (doc.rejected && doc.rejected.length > 0) meta.rejected_members = doc.rejected;
  if (doc.children) meta.member_count = doc.children.length;
  return meta;
}

/**
 * The file pipeline: blob -> parser -> chunks -> resources (keyword-searchable at once) ->
 * resources.embed job -> vectors -> indexed. Each step is idempotent, so a job may run twice.
 */
export class IngestService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly runner: ParseRunner,
    private readonly queue: JobQueue,
    private readonly embeddings: EmbeddingService,
    private readonly log: Logger,
    private readonly opts: IngestOptions,
  ) {}

  /**
   * Job file.process: parse a file (in the isolated parse runner) into resources, its members into
   * child files, its thumbnails into artifacts. Bad files fail with a reason; the job succeeds.
   */
  async processFile(tenantId: string, fileId: string): Promise<ProcessOutcome> {
    const file = await files.getFile(this.db, tenantId, fileId);
    if (!file || file.status === 'indexed') return 'skipped';
    await files.setFileStatus(this.db, tenantId, fileId, 'processing');
    let parsed: ParseOutcome;
    try {
      const bytes = await this.blobs.read(tenantId, file.blob_key);
      parsed = await this.runner.parse({ bytes, name: file.name, mimeType: file.mime_type, declaredType: file.mime_type, depth: file.depth });
    } catch (err) {
      if (!isAppError(err) || !FILE_FAULTS.test(err.code)) throw err;
      await this.failFile(tenantId, fileId, err.code, err.message);
      return 'failed';
    }
    const { doc, resolution } = parsed;
    const derivers = this.opts.derivers ?? DERIVERS;
    // An engram or agent definition is written by its deriver as the named resource it is, not as chunks.
    const claimer = derivers.find((d) => d.claims?.(doc));
    const chunks = claimer ? [] : chunkDocument(doc, { chunkTokens: this.opts.chunkTokens, overlapTokens: this.opts.chunkOverlapTokens });
    if (!claimer && chunks.length === 0) {
      await this.failFile(tenantId, fileId, 'parser.failed', `${file.name}: no text content found`);
      return 'failed';
    }
    const rows = toResources(file, doc, chunks);
    // Blob writes cannot join the transaction: store first, release whatever ends up unused.
    const children = await storeChildren(this.blobs, file, doc.children ?? []);
    const artifacts = await storeArtifacts(this.blobs, tenantId, doc.artifacts ?? []);
    const freed: string[] = [];
    let outcome: 'processed' | 'superseded' | 'failed';
    try {
      outcome = await this.db.transaction(async (tx) => {
        // A newer upload replaced the content while we parsed: its own job will index it.
        if ((await files.lockFileHash(tx, tenantId, fileId)) !== file.content_hash) return 'superseded' as const;
        await res.upsertResources(tx, tenantId, rows);
        freed.push(...(await recordChildren(tx, this.queue, file, children)));
        freed.push(...(await replaceArtifacts(tx, tenantId, fileId, artifacts)));
        const ctx = { tx, tenantId, file, doc, resourceIds: rows.map((r) => r.id), queue: this.queue };
        let kept: readonly string[] = ctx.resourceIds;
        for (const d of derivers) {
          const written = await d.derive(ctx);
          if (d === claimer) kept = written ?? [];
        }
        await res.deleteResourcesFrom(tx, tenantId, fileId, kept);
        await files.recordParse(tx, tenantId, fileId, {
          mimeType: resolution.mimeType, parser: { id: resolution.parserId, version: resolution.parserVersion },
          resourceCount: kept.length, metadata: fileMetadata(doc),
        });
        await this.queue.enqueue(tenantId, 'resources.embed', { file_id: fileId }, { tx, dedupeKey: `embed:${fileId}` });
        return 'processed' as const;
      });
    } catch (err) {
      // A deriver refused the document (a malformed engram): the transaction wrote nothing, the file fails with the reason.
      if (!isAppError(err) || !FILE_FAULTS.test(err.code)) throw err;
      freed.length = 0; // rolled back: the blobs it meant to release are still referenced
      await this.failFile(tenantId, fileId, err.code, err.message);
      outcome = 'failed';
    }
    if (outcome !== 'processed') freed.push(...children.map((c) => c.blob.key), ...artifacts.map((a) => a.blob_key));
    await releaseBlobs(this.db, this.blobs, tenantId, freed);
    this.log.info({
      tenant: tenantId, file: fileId, parser: resolution.parserId, chunks: rows.length, children: children.length,
      artifacts: artifacts.length, outcome,
    }, 'file parsed');
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
  // The content's own date (e-mail Date, EXIF, frontmatter) is what a date filter compares; else the upload time.
  const dated = contentDate(doc.metadata);
  return chunks.map((c, i) => {
    const fragment = c.time != null
      ? `#t=${seconds(c.time.start)},${seconds(c.time.end)}&chunk=${c.ordinal}`
      : c.page != null ? `#page=${c.page}&chunk=${c.ordinal}` : `#chunk=${c.ordinal}`;
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
      metadata: { heading_path: c.headingPath, page: c.page, time: c.time, tokens: c.tokens, file_name: file.name, title: doc.title },
      timestamp: dated,
      title,
      context: neighbourContext(texts, i),
    };
  });
}

/** Media-fragment seconds (RFC/W3C Media Fragments `#t=`): at most millisecond precision. */
const seconds = (t: number): string => String(Math.round(t * 1000) / 1000);
