import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, createApp } from '../../app.js';
import { HashEmbedder } from '../../adapters/embedders/hash.js';
import { USE_LITE_DIMENSION } from '../../adapters/embedders/use-lite.js';
import type { Actor } from '../../domain/actor.js';
import { benchConfig, ms, peakRssMb, percentile, progress, silentLogger } from '../common.js';
import { seededRandom, Vocabulary } from '../corpus.js';
import { dirSizeMb } from '../fs-size.js';
import { ensureTenant } from '../locomo/vault.js';
import { bulkLoad } from './bulk-load.js';

const MODES = ['hybrid', 'keyword', 'vector'] as const;
type Mode = (typeof MODES)[number];

export interface LatencyRunOptions {
  quick: boolean;
  size: number;
}

/**
 * Search latency at one corpus size, on a file-backed PGlite vault. Vectors come from the hash
 * embedder at USE-lite's width (512-d), so the numbers are the database's share; the model's share
 * (one query embedding) is measured by the ingest suite.
 */
export async function runLatencyOnce(o: LatencyRunOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-latency-'));
  const embedder = new HashEmbedder(USE_LITE_DIMENSION);
  try {
    const app = await createApp(benchConfig(join(dir, 'data'), { embeddingProvider: 'hash' }), { embedder, logger: silentLogger });
    try {
      const actor = await ensureTenant(app, 'bench');
      const load = await bulkLoad(app, actor.tenantId, o.size, embedder);
      progress(`latency: ${o.size} rows loaded, HNSW built in ${load.hnsw_build_s} s`);
      const queries = makeQueries(o.quick ? 30 : 100);
      // Unanalysed, the planner skips the HNSW index (an exact scan per query), so fewer queries suffice there.
      const unanalyzed = await measure(app, actor, queries.slice(0, 20));
      const t = performance.now();
      await app.db.exec('ANALYZE resources; ANALYZE embeddings');
      const analyzeS = Math.round((performance.now() - t) / 100) / 10;
      const analyzed = await measure(app, actor, queries);
      return {
        size: o.size, queries: queries.length, limit: 10, load,
        latency_ms: { without_analyze: unanalyzed, after_analyze: analyzed }, analyze_s: analyzeS,
        data_dir_mb: dirSizeMb(join(dir, 'data')), peak_rss_mb: peakRssMb(),
      };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Queries of 2–5 words drawn like the corpus (so some are common words, most are not). */
function makeQueries(n: number): string[] {
  const vocab = new Vocabulary();
  const rnd = seededRandom(4242);
  return Array.from({ length: n }, () => Array.from({ length: 2 + Math.floor(rnd() * 4) }, () => vocab.word(rnd)).join(' '));
}

async function measure(app: App, actor: Actor, queries: string[]): Promise<Record<Mode, { p50: number; p95: number; mean: number }>> {
  const out = {} as Record<Mode, { p50: number; p95: number; mean: number }>;
  for (const mode of MODES) {
    for (const q of queries.slice(0, 5)) await app.services.search.search(actor, { query: q, mode, limit: 10 });
    const took: number[] = [];
    for (const q of queries) {
      const t = performance.now();
      await app.services.search.search(actor, { query: q, mode, limit: 10 });
      took.push(performance.now() - t);
    }
    out[mode] = { p50: ms(percentile(took, 50)), p95: ms(percentile(took, 95)), mean: ms(took.reduce((a, b) => a + b, 0) / took.length) };
  }
  return out;
}
