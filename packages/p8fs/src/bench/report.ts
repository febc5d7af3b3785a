// Markdown summaries printed after each suite; docs/benchmarks.md is written from these.
export { printReliability } from './reliability/report.js';
import type { DbBenchResult } from './db/db.js';
import type { RemBenchResult } from './rem/rem.js';
import type { ScaleoutResult } from './scaleout/scaleout.js';
import type { runIngestOnce } from './ingest/ingest.js';
import type { runLatencyOnce } from './latency/latency.js';
import type { runLocomo } from './locomo/locomo.js';
import type { RecallRow } from './locomo/recall.js';

type LocomoResult = Awaited<ReturnType<typeof runLocomo>>;
type IngestResult = Awaited<ReturnType<typeof runIngestOnce>>;
type LatencyResult = Awaited<ReturnType<typeof runLatencyOnce>>;

const CATS = ['multi-hop', 'temporal', 'open-domain', 'single-hop', 'all'];
const f3 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));
const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
const sep = (n: number) => row(Array.from({ length: n }, () => '---'));

/** Recall@k table: one line per method, one column per category. */
export function recallTable(rows: [string, Record<string, RecallRow>][], k: 'at5' | 'at10' | 'at20'): string {
  const n = rows[0]?.[1] ?? {};
  const head = row(['method', ...CATS.map((c) => `${c} (n=${n[c]?.n ?? 0})`)]);
  return [head, sep(CATS.length + 1), ...rows.map(([name, r]) => row([name, ...CATS.map((c) => f3(r[c]?.[k]))]))].join('\n');
}

/** LoCoMo: recall at 5/10/20 per mode, then variants (recall@10) when measured. */
export function printLocomo(r: LocomoResult): void {
  const modes = Object.entries(r.recall) as [string, Record<string, RecallRow>][];
  const out = [`## LoCoMo evidence recall (${r.questions} questions, ${r.turns} turns, embedder ${r.embedder})`];
  for (const k of ['at5', 'at10', 'at20'] as const) out.push('', `recall@${k.slice(2)}`, '', recallTable(modes, k));
  if (r.variants.length) {
    out.push('', 'variants (recall@10, hybrid; keyword-only in parentheses)', '', row(['group', 'variant', ...CATS]), sep(CATS.length + 2));
    for (const v of r.variants) {
      const cell = (c: string) => `${f3(v.hybrid[c]?.at10)}${v.keyword ? ` (${f3(v.keyword[c]?.at10)})` : ''}`;
      out.push(row([v.group, v.name, ...CATS.map(cell)]));
    }
  }
  if (r.fusion_cross_validation) out.push('', `leave-one-conversation-out recall@10 of the fusion grid: ${r.fusion_cross_validation.recall_at_10}`);
  console.log(out.join('\n'));
}

/** Ingest throughput, one line per embedder. */
export function printIngest(runs: IngestResult[]): void {
  const out = ['## Ingest throughput', '', row(['embedder', 'files', 'MB', 'chunks', 'wall s', 'files/s', 'chunks/s', 'embeddings/s', 'query embed p50 ms', 'peak RSS MB', 'data dir MB']), sep(11)];
  for (const r of runs) {
    out.push(row([r.embedder, r.files, r.megabytes, r.chunks, r.wall_s, r.files_per_s, r.chunks_per_s, r.embeddings_per_s, r.query_embed_ms.p50, r.peak_rss_mb, r.data_dir_mb]));
  }
  console.log(out.join('\n'));
}

/** Search latency per size and mode, before and after ANALYZE. */
export function printLatency(runs: LatencyResult[]): void {
  const out = ['## Search latency (limit 10)', '', row(['chunks', 'stats', 'hybrid p50/p95 ms', 'keyword p50/p95 ms', 'vector p50/p95 ms', 'load rows/s', 'HNSW build s', 'data dir MB', 'peak RSS MB']), sep(9)];
  for (const r of runs) {
    for (const [label, l] of [['no ANALYZE', r.latency_ms.without_analyze], ['after ANALYZE', r.latency_ms.after_analyze]] as const) {
      out.push(row([r.size, label, `${l.hybrid.p50} / ${l.hybrid.p95}`, `${l.keyword.p50} / ${l.keyword.p95}`, `${l.vector.p50} / ${l.vector.p95}`,
        r.load.rows_per_s, r.load.hnsw_build_s, r.data_dir_mb, r.peak_rss_mb]));
    }
  }
  console.log(out.join('\n'));
}

/** REM statement latencies over the generated graph. */
export function printRem(runs: RemBenchResult[]): void {
  const out: string[] = [];
  for (const r of runs) {
    out.push(`## REM latency (${r.edges} edges, ${r.load.entities} nodes; written at ${r.load.edges_per_s} edges/s)`, '',
      row(['statement', 'p50 ms', 'p95 ms', 'mean ms', 'mean nodes/rows']), sep(5));
    for (const [name, l] of Object.entries(r.latency_ms)) out.push(row([name, l.p50, l.p95, l.mean, l.mean_nodes]));
  }
  console.log(out.join('\n'));
}

/** The P1 workload per stack, with the embedded run as the baseline of the ratios. */
export function printScaleout(runs: ScaleoutResult[]): void {
  const base = runs.find((r) => r.stack === 'embedded');
  const out = ['## Embedded vs scale-out (hash embedder, 512-d)', '',
    row(['stack', 'workers', 'files', 'chunks', 'wall s', 'files/s', 'chunks/s', 'vs embedded', 'search p50/p95 ms']), sep(9)];
  for (const r of runs) {
    const ratio = base ? `${Math.round((r.files_per_s / base.files_per_s) * 100) / 100}×` : '';
    out.push(row([r.stack, r.workers, r.files, r.chunks, r.wall_s, r.files_per_s, r.chunks_per_s, ratio, `${r.search_ms.p50} / ${r.search_ms.p95}`]));
  }
  console.log(out.join('\n'));
}

/** The embedded database in this thread (baseline) and in its own thread, with ratios. */
export function printDb(runs: DbBenchResult[]): void {
  const base = runs.find((r) => r.adapter === 'in-thread');
  const ratio = (r: DbBenchResult, k: 'point_reads_per_s' | 'inserts_per_s' | 'transactions_per_s' | 'wide_reads_per_s') =>
    base ? `${r[k]} (${Math.round((r[k] / base[k]) * 100) / 100}×)` : String(r[k]);
  const out = ['## Embedded database: in this thread vs its own thread (file-backed PGlite)', '',
    row(['adapter', 'reopen ms', 'point reads/s', 'p50/p95 ms', 'inserts/s', '10-insert tx/s', '200-row reads/s', 'stop → next ms', 'peak RSS MB']), sep(9)];
  for (const r of runs) {
    out.push(row([r.adapter, r.open_ms, ratio(r, 'point_reads_per_s'), `${r.point_read_p50_ms} / ${r.point_read_p95_ms}`, ratio(r, 'inserts_per_s'),
      ratio(r, 'transactions_per_s'), ratio(r, 'wide_reads_per_s'), r.stop_to_next_ms ?? '-', r.peak_rss_mb]));
  }
  console.log(out.join('\n'));
}
