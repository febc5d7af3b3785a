import type { App } from '../../app.js';
import { type FusionOptions, fuse, type Scored } from '../../domain/fusion.js';
import type { ContextPolicy } from '../../domain/search-text.js';
import { DEFAULT_TUNING, SearchService, type SearchTuning } from '../../services/search.js';
import { TenantGate } from '../../services/tenant-gate.js';
import { progress } from '../common.js';
import type { Conversation } from './dataset.js';
import { ids, type Searcher, searchDia } from './lists.js';
import type { QuestionLists } from './locomo.js';
import { RecallTable, type RecallRow } from './recall.js';
import { loadKeywordVariant } from './vault.js';

/** One measured variant: what changed, and recall of its keyword list and of its fused list. */
export interface VariantResult {
  group: 'fusion' | 'keyword-scoring' | 'context' | 'v1';
  name: string;
  keyword?: Record<string, RecallRow>;
  hybrid: Record<string, RecallRow>;
}

const rrf = (rrfK: number, vectorWeight: number): FusionOptions => ({ method: 'rrf', rrfK, keywordWeight: 1, vectorWeight });
const convex = (alpha: number): FusionOptions => ({ method: 'convex', rrfK: 0, keywordWeight: alpha, vectorWeight: 1 - alpha });

/** Fusion settings compared on the same candidate lists. */
export const FUSION_GRID: Record<string, FusionOptions> = {
  ...Object.fromEntries([5, 10, 20, 60].flatMap((k) => [0.2, 0.35, 0.5, 1].map((w) => [`rrf k=${k} wv=${w}`, rrf(k, w)]))),
  ...Object.fromEntries([0.6, 0.7, 0.8].map((a) => [`convex a=${a} (kw/max, vec min-max)`, convex(a)])),
};

const CONTEXTS: Record<string, ContextPolicy> = {
  'no neighbours': { window: 0, maxCharsPerSide: 0 },
  '±1 turn': { window: 1, maxCharsPerSide: 100_000 },
  '±2 turns': { window: 2, maxCharsPerSide: 100_000 },
  '±3 turns': { window: 3, maxCharsPerSide: 100_000 },
  '≤4 turns, 150 chars/side': { window: 4, maxCharsPerSide: 150 },
  '≤4 turns, 300 chars/side (default)': { window: 4, maxCharsPerSide: 300 },
  '≤4 turns, 600 chars/side': { window: 4, maxCharsPerSide: 600 },
};

const withWeights = (c: number, norm = 0): SearchTuning => ({ ...DEFAULT_TUNING, tsWeights: [0.1, c, 0.7, 1], tsNormalization: norm });
const KEYWORD_SCORING: Record<string, SearchTuning> = {
  'neighbour weight C=0.2': withWeights(0.2),
  'neighbour weight C=0.35': withWeights(0.35),
  'neighbour weight C=0.5 (default)': withWeights(0.5),
  'neighbour weight C=0.7': withWeights(0.7),
  'C=0.5 + length normalisation (ts_rank flag 1)': withWeights(0.5, 1),
};

/** The v1 search as first written: ±1 neighbour at C=0.2, log-length normalisation, RRF k=60, vector weight 0.5. */
const V1 = { context: { window: 1, maxCharsPerSide: 4000 }, tuning: { ...withWeights(0.2, 1), tsWeights: [0.1, 0.2, 0.4, 1] as SearchTuning['tsWeights'], fusion: rrf(60, 0.5) } };

/** Every variant group; each reuses the default vault's vector lists. */
export async function runVariants(app: App, convs: Conversation[], lists: QuestionLists[], vaults: Map<string, Searcher>): Promise<VariantResult[]> {
  const out: VariantResult[] = [];
  for (const [name, f] of Object.entries(FUSION_GRID)) out.push({ group: 'fusion', name, hybrid: table(lists, (l) => fuse(l.keyword, l.vector, f)) });
  for (const depth of [20, 50, 100]) {
    out.push({ group: 'fusion', name: `default fusion, depth ${depth}`, hybrid: table(lists, (l) => fuse(l.keyword.slice(0, depth), l.vector.slice(0, depth), DEFAULT_TUNING.fusion)) });
  }
  for (const [name, tuning] of Object.entries(KEYWORD_SCORING)) {
    const kw = await keywordLists(convs, (c) => ({ ...(vaults.get(c.id) as Searcher), search: new SearchService(app.db, app.services.embeddings, TenantGate.fromConfig(app.config), tuning) }));
    out.push(variant('keyword-scoring', name, lists, kw, DEFAULT_TUNING.fusion));
  }
  for (const [i, [name, policy]] of Object.entries(CONTEXTS).entries()) {
    const kw = await keywordLists(convs, async (c) => ({ search: app.services.search, ...(await loadKeywordVariant(app, c, `ctx${i}-${c.id}`, policy)) }));
    out.push(variant('context', name, lists, kw, DEFAULT_TUNING.fusion));
  }
  const v1 = await keywordLists(convs, async (c) => ({ search: new SearchService(app.db, app.services.embeddings, TenantGate.fromConfig(app.config), V1.tuning), ...(await loadKeywordVariant(app, c, `v1-${c.id}`, V1.context)) }));
  out.push(variant('v1', 'v1 as first written', lists, v1, V1.tuning.fusion));
  return out;
}

/** Leave-one-conversation-out: pick the best fusion setting on the others, score it on the one left out. */
export function crossValidateFusion(lists: QuestionLists[]): { recall_at_10: number; picks: Record<string, string> } {
  const convs = [...new Set(lists.map((l) => l.conv))];
  const picks: Record<string, string> = {};
  let sum = 0;
  for (const held of convs) {
    const train = lists.filter((l) => l.conv !== held);
    const at10 = (ls: QuestionLists[], f: FusionOptions) => table(ls, (l) => fuse(l.keyword, l.vector, f)).all?.at10 ?? 0;
    const best = Object.entries(FUSION_GRID).reduce((a, b) => (at10(train, b[1]) > at10(train, a[1]) ? b : a));
    picks[held] = best[0];
    const test = lists.filter((l) => l.conv === held);
    sum += at10(test, best[1]) * test.length;
  }
  return { recall_at_10: Math.round((sum / lists.length) * 1000) / 1000, picks };
}

async function keywordLists(convs: Conversation[], searcher: (c: Conversation) => Searcher | Promise<Searcher>): Promise<Scored[][]> {
  const out: Scored[][] = [];
  for (const c of convs) {
    const s = await searcher(c);
    for (const q of c.questions) out.push(await searchDia(s, q.question, 'keyword', 100));
  }
  progress('locomo: variant measured');
  return out;
}

function variant(group: VariantResult['group'], name: string, lists: QuestionLists[], kw: Scored[][], f: FusionOptions): VariantResult {
  return {
    group, name,
    keyword: table(lists, (_, i) => kw[i] as Scored[]),
    hybrid: table(lists, (l, i) => fuse(kw[i] as Scored[], l.vector, f)),
  };
}

function table(lists: QuestionLists[], rank: (l: QuestionLists, i: number) => readonly Scored[]): Record<string, RecallRow> {
  const t = new RecallTable();
  lists.forEach((l, i) => {
    t.add(l.category, ids(rank(l, i)), l.evidence);
  });
  return t.rows();
}
