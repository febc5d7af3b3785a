import { embeddingText, headingPathOf } from '../domain/search-text.js';
import { sha256 } from '../domain/ids.js';
import type { Db } from '../ports/db.js';
import type { Embedder } from '../ports/embedder.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { Logger } from '../ports/logger.js';
import type { PlannerStats } from './planner-stats.js';
import * as sql from './sql/embeddings.js';

/** Result of one embedding pass. */
export interface EmbedPassResult {
  embedded: number;
  cached: number;
}

/**
 * Keeps resources embedded with the active provider. Vectors are looked up in the per-tenant
 * content-hash cache first, so identical text is embedded once. A new provider re-embeds
 * everything in the background (embeddings.backfill) while search keeps using keyword hits.
 */
export class EmbeddingService {
  private readonly queryCache = new Map<string, Float32Array>();

  constructor(
    private readonly db: Db,
    readonly embedder: Embedder,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly stats: PlannerStats,
  ) {}

  get providerId(): string {
    return this.embedder.id;
  }

  get dimension(): number {
    return this.embedder.dimension;
  }

  /** Record the provider (refusing a changed dimension) and ensure its vector index. */
  async init(): Promise<void> {
    await sql.registerProvider(this.db, this.embedder.id, this.embedder.dimension, sha256(this.embedder.id));
    await this.stats.init();
  }

  /** Enqueue a background backfill for every tenant whose resources lack current vectors. */
  async scheduleBackfill(): Promise<number> {
    const tenants = await sql.tenantsWithPending(this.db, this.embedder.id);
    for (const t of tenants) {
      await this.queue.enqueue(t, 'embeddings.backfill', { provider_id: this.embedder.id }, { dedupeKey: `backfill:${this.embedder.id}`, priority: -1 });
    }
    if (tenants.length) this.log.info({ tenants: tenants.length, provider: this.embedder.id }, 'scheduled embedding backfill');
    return tenants.length;
  }

  /** Embed pending resources (of one file, or the whole tenant) until none remain. */
  async embedPending(tenantId: string, fileId: string | null, onProgress?: (done: number) => void): Promise<EmbedPassResult> {
    const total: EmbedPassResult = { embedded: 0, cached: 0 };
    const page = Math.max(this.embedder.maxBatch, 32);
    for (;;) {
      const rows = await sql.pendingResources(this.db, tenantId, this.embedder.id, fileId, page);
      if (rows.length === 0) return total;
      const r = await this.embedRows(tenantId, rows);
      total.embedded += r.embedded;
      total.cached += r.cached;
      await this.stats.noteWrites(rows.length);
      onProgress?.(total.embedded + total.cached);
    }
  }

  private async embedRows(tenantId: string, rows: sql.PendingResource[]): Promise<EmbedPassResult> {
    const cache = await sql.cachedVectors(this.db, tenantId, this.embedder.id, rows.map((r) => r.content_hash));
    const misses = rows.filter((r) => !cache.has(r.content_hash));
    const unique = [...new Map(misses.map((r) => [r.content_hash, r])).values()];
    const texts = unique.map((r) => embeddingText(r.content, headingPathOf(r.metadata)));
    const vectors = texts.length ? await this.embedder.embed(texts) : [];
    unique.forEach((r, i) => {
      cache.set(r.content_hash, sql.toVectorLiteral(vectors[i] as Float32Array));
    });
    await sql.storeEmbeddings(this.db, tenantId, this.embedder.id, this.embedder.dimension,
      rows.map((r) => ({ resourceId: r.id, contentHash: r.content_hash, vector: cache.get(r.content_hash) as string })));
    return { embedded: unique.length, cached: rows.length - unique.length };
  }

  /** Embed a search query (small LRU: repeated queries cost nothing). */
  async embedQuery(text: string): Promise<Float32Array> {
    const hit = this.queryCache.get(text);
    if (hit) return hit;
    const [v] = await this.embedder.embed([text]);
    if (!v) throw new Error('embedder returned no vector');
    this.queryCache.set(text, v);
    if (this.queryCache.size > 256) this.queryCache.delete(this.queryCache.keys().next().value as string);
    return v;
  }

  /** Resources of a tenant still waiting for a vector. */
  pendingCount(tenantId?: string): Promise<number> {
    return sql.countPending(this.db, this.embedder.id, tenantId);
  }
}
