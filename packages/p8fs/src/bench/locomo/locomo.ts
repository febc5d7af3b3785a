import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { createApp } from '../../app.js';
import { createEmbedder } from '../../adapters/embedders/index.js';
import { DEFAULT_CONTEXT } from '../../domain/search-text.js';
import type { Scored } from '../../domain/fusion.js';
import { DEFAULT_TUNING } from '../../services/search.js';
import { benchConfig, ms, percentile, progress, REPO_ROOT, silentLogger, TMP_DIR } from '../common.js';
import { CachedEmbedder } from '../vector-cache.js';
import { type Conversation, loadLocomo } from './dataset.js';
import { ids, type Searcher, searchDia } from './lists.js';
import { RecallTable, type RecallRow } from './recall.js';
import { crossValidateFusion, runVariants, type VariantResult } from './variants.js';
import { loadConversation } from './vault.js';

export const LOCOMO_PATH = join(REPO_ROOT, '..', 'shared', 'yardsticks', 'locomo', 'locomo-dev.json');

/** The figures published with the yardstick (recall@10, same split), for the report. */
export const LOCOMO_REFERENCE = {
  // biome-ignore lint/suspicious/noApproximativeNumericConstant: 0.693 is a measured recall, not ln 2
  BM25: { 'multi-hop': 0.262, temporal: 0.741, 'open-domain': 0.255, 'single-hop': 0.693, all: 0.594 },
  'USE-lite dense': { 'multi-hop': 0.258, temporal: 0.46, 'open-domain': 0.234, 'single-hop': 0.51, all: 0.435 },
  'RRF(BM25, dense)': { 'multi-hop': 0.299, temporal: 0.729, 'open-domain': 0.232, 'single-hop': 0.701, all: 0.602 },
  'BM25 over turn ± 1': { 'multi-hop': 0.234, temporal: 0.754, 'open-domain': 0.206, 'single-hop': 0.829, all: 0.662 },
};

export interface LocomoOptions {
  quick: boolean;
  variants: boolean;
  path?: string;
}

/** Per question, the candidate lists variants are computed from (dia_ids, depth 100). */
export interface QuestionLists {
  conv: string;
  category: number;
  evidence: string[];
  question: string;
  keyword: Scored[];
  vector: Scored[];
}

/** LoCoMo evidence recall for keyword, vector and hybrid search, one vault per conversation. */
export async function runLocomo(o: LocomoOptions) {
  const path = o.path ?? LOCOMO_PATH;
  const convs = pick(loadLocomo(path), o.quick);
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-locomo-'));
  const config = benchConfig(dir);
  const embedder = new CachedEmbedder(await createEmbedder(config), join(TMP_DIR, `vectors-${config.embeddingProvider}.jsonl`));
  const app = await createApp(config, { inMemory: true, embedder, logger: silentLogger });
  try {
    const started = performance.now();
    const vaults = new Map<string, Searcher>();
    for (const c of convs) {
      const v = await loadConversation(app, c);
      vaults.set(c.id, { search: app.services.search, ...v });
      progress(`locomo: ${c.id} loaded (${c.turns.length} turns)`);
    }
    const loadS = (performance.now() - started) / 1000;
    const { tables, lists, latency } = await evaluate(convs, vaults);
    const variants: VariantResult[] = o.variants ? await runVariants(app, convs, lists, vaults) : [];
    return {
      dataset: relative(REPO_ROOT, path),
      conversations: convs.map((c) => c.id),
      questions: lists.length,
      dropped_questions: convs.reduce((n, c) => n + c.dropped, 0),
      turns: convs.reduce((n, c) => n + c.turns.length, 0),
      embedder: embedder.id,
      defaults: { context: DEFAULT_CONTEXT, tuning: DEFAULT_TUNING },
      recall: Object.fromEntries(Object.entries(tables).map(([m, t]) => [m, t.rows()])) as Record<string, Record<string, RecallRow>>,
      reference_recall_at_10: LOCOMO_REFERENCE,
      variants,
      fusion_cross_validation: o.variants && convs.length > 1 ? crossValidateFusion(lists) : null,
      timings: { load_and_embed_s: Math.round(loadS), embed_cache: { hits: embedder.hits, misses: embedder.misses }, search_ms: latency },
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** --quick: two conversations, enough to see that the pipeline works end to end. */
function pick(convs: Conversation[], quick: boolean): Conversation[] {
  return quick ? convs.slice(0, 2) : convs;
}

async function evaluate(convs: Conversation[], vaults: Map<string, Searcher>) {
  const tables = { keyword: new RecallTable(), vector: new RecallTable(), hybrid: new RecallTable() };
  const took: Record<keyof typeof tables, number[]> = { keyword: [], vector: [], hybrid: [] };
  const lists: QuestionLists[] = [];
  for (const c of convs) {
    const s = vaults.get(c.id) as Searcher;
    for (const q of c.questions) {
      const timed = async (mode: keyof typeof tables, limit: number) => {
        const t = performance.now();
        const r = await searchDia(s, q.question, mode, limit);
        took[mode].push(performance.now() - t);
        return r;
      };
      const keyword = await timed('keyword', 100);
      const vector = await timed('vector', 100);
      const hybrid = await timed('hybrid', 20);
      tables.keyword.add(q.category, ids(keyword), q.evidence);
      tables.vector.add(q.category, ids(vector), q.evidence);
      tables.hybrid.add(q.category, ids(hybrid), q.evidence);
      lists.push({ conv: c.id, category: q.category, evidence: q.evidence, question: q.question, keyword, vector });
    }
    progress(`locomo: ${c.id} searched (${c.questions.length} questions)`);
  }
  const latency = Object.fromEntries(Object.entries(took).map(([m, xs]) => [m, { p50: ms(percentile(xs, 50)), p95: ms(percentile(xs, 95)) }]));
  return { tables, lists, latency };
}
