import { createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../../app.js';
import { benchConfig, ms, peakRssMb, percentile, silentLogger, waitIndexed } from '../common.js';
import { logUniform, markdownDoc, seededRandom, textDoc, Vocabulary } from '../corpus.js';
import { dirSizeMb } from '../fs-size.js';

export interface IngestRunOptions {
  quick: boolean;
  embedder: 'use-lite' | 'hash';
}

interface CorpusFile {
  path: string;
  name: string;
  mimeType: string;
  bytes: number;
}

/** Write the generated corpus: half Markdown, half text, sizes log-uniform 500 B – 40 kB. */
export function writeCorpus(dir: string, count: number): CorpusFile[] {
  const vocab = new Vocabulary();
  const rnd = seededRandom(42);
  mkdirSync(dir, { recursive: true });
  return Array.from({ length: count }, (_, i) => {
    const md = i % 2 === 0;
    const body = md ? markdownDoc(vocab, rnd, logUniform(rnd, 500, 40_000)) : textDoc(vocab, rnd, logUniform(rnd, 500, 40_000));
    const name = `doc-${String(i).padStart(4, '0')}.${md ? 'md' : 'txt'}`;
    writeFileSync(join(dir, name), body);
    return { path: join(dir, name), name, mimeType: md ? 'text/markdown' : 'text/plain', bytes: Buffer.byteLength(body) };
  });
}

/**
 * The real pipeline: FilesService.create for every file, the worker pool parses, chunks and embeds,
 * and the clock stops when every file is indexed (or failed). No embedding cache is involved.
 */
export async function runIngestOnce(o: IngestRunOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-ingest-'));
  try {
    const files = writeCorpus(join(dir, 'corpus'), o.quick ? 20 : 200);
    // The hash embedder at USE-lite's width keeps the HNSW cost equal, so the difference is the model.
    const config = benchConfig(join(dir, 'data'), { embeddingProvider: o.embedder, ...(o.embedder === 'hash' ? { embeddingDimensions: 512 } : {}) });
    const app = await createApp(config, { logger: silentLogger });
    try {
      app.pool.start();
      const started = performance.now();
      for (const f of files) await app.services.files.create(app.owner, { name: f.name, mimeType: f.mimeType }, createReadStream(f.path));
      const uploadS = (performance.now() - started) / 1000;
      const status = await waitIndexed('ingest', app, files.length);
      const wallS = (performance.now() - started) / 1000;
      await app.pool.stop();
      const queryEmbedMs = await queryEmbedLatency(app, o.quick ? 10 : 40);
      const { resources: chunks, embeddings } = status;
      const rate = (n: number) => Math.round((n / wallS) * 10) / 10;
      return {
        embedder: app.services.embeddings.providerId,
        config: { workers: config.workers, embedding_threads: config.embeddingThreads, embedding_batch: config.embeddingBatchSize, chunk_tokens: config.chunkTokens },
        files: files.length, megabytes: Math.round((files.reduce((n, f) => n + f.bytes, 0) / 2 ** 20) * 100) / 100,
        indexed: status.files.indexed ?? 0, failed: status.files.failed ?? 0, chunks, embeddings,
        upload_s: Math.round(uploadS * 10) / 10, wall_s: Math.round(wallS * 10) / 10,
        files_per_s: rate(files.length), chunks_per_s: rate(chunks), embeddings_per_s: rate(embeddings),
        query_embed_ms: queryEmbedMs,
        data_dir_mb: dirSizeMb(join(dir, 'data')), peak_rss_mb: peakRssMb(),
      };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** How long one short search query takes to embed (the model's share of a vector search). */
async function queryEmbedLatency(app: App, n: number): Promise<{ p50: number; p95: number }> {
  const vocab = new Vocabulary();
  const rnd = seededRandom(99);
  const took: number[] = [];
  for (let i = 0; i < n; i++) {
    const q = Array.from({ length: 4 }, () => vocab.word(rnd)).join(' ');
    const t = performance.now();
    await app.services.embeddings.embedQuery(`${q} ${i}`);
    took.push(performance.now() - t);
  }
  return { p50: ms(percentile(took, 50)), p95: ms(percentile(took, 95)) };
}
