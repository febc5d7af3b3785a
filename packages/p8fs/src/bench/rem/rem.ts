import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../app.js';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import type { EdgeInput } from '../../services/graph/types.js';
import { upsertEdges } from '../../services/sql/graph.js';
import { benchConfig, ms, peakRssMb, percentile, progress, silentLogger } from '../common.js';
import { seededRandom } from '../corpus.js';
import { dirSizeMb } from '../fs-size.js';
import { ensureTenant } from '../locomo/vault.js';

export interface RemBenchOptions {
  quick: boolean;
  /** Edges in the generated graph. */
  edges: number;
}

const REL_TYPES = ['knows', 'works_on', 'mentions', 'links_to', 'tagged', 'sent_to', 'authored_by', 'part_of'];
const KINDS = ['Person', 'Project', 'Note', 'Place', 'Topic'];
const BATCH = 1000;
type Stat = { p50: number; p95: number; mean: number };

/**
 * REM latency over a generated graph: `edges` edges among edges/10 labelled nodes, written through
 * the production edge writer (which also makes the lightweight entity nodes and their labels, via
 * the label triggers). Node degrees are skewed (a few hubs, many leaves), like a real vault. Each
 * statement goes through the whole engine: REM parser, graph service, SQL.
 */
export async function runRemOnce(o: RemBenchOptions) {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-rem-'));
  try {
    const app = await createApp(benchConfig(join(dir, 'data'), { embeddingProvider: 'hash' }), { logger: silentLogger });
    try {
      const actor = await ensureTenant(app, 'bench');
      const nodes = Math.max(100, Math.round(o.edges / 10));
      const load = await loadGraph(app, actor.tenantId, o.edges, nodes);
      await app.db.exec('ANALYZE edges; ANALYZE labels; ANALYZE entities');
      const n = o.quick ? 30 : 200;
      const rnd = seededRandom(99);
      const label = () => nodeLabel(skewed(rnd, nodes));
      const typo = (s: string) => s.replace(/([a-z])([a-z])/, '$2$1').toLowerCase();
      const statements: Record<string, () => string> = {
        lookup: () => `LOOKUP "${label()}"`,
        lookup_5: () => `LOOKUP ${Array.from({ length: 5 }, () => `"${label()}"`).join(', ')}`,
        fuzzy: () => `FUZZY "${typo(label())}" LIMIT 10`,
        traverse_d1: () => `TRAVERSE WITH LOOKUP "${label()}" DEPTH 1 DIRECTION both LIMIT 100`,
        traverse_d2: () => `TRAVERSE WITH LOOKUP "${label()}" DEPTH 2 DIRECTION both LIMIT 100`,
        traverse_d3: () => `TRAVERSE WITH LOOKUP "${label()}" DEPTH 3 DIRECTION both LIMIT 100`,
        traverse_d3_out_rel: () => `TRAVERSE [knows, works_on] WITH LOOKUP "${label()}" DEPTH 3 DIRECTION out LIMIT 100`,
        traverse_plan: () => `TRAVERSE PLAN WITH LOOKUP "${label()}" DIRECTION both`,
        sql_count: () => `SELECT rel_type, count(*) FROM edges WHERE src_label = '${label()}' GROUP BY rel_type`,
      };
      const latency: Record<string, Stat & { mean_nodes: number }> = {};
      for (const [name, make] of Object.entries(statements)) {
        latency[name] = await measure(app, actor, Array.from({ length: n }, make));
        progress(`rem: ${name} p50 ${latency[name]?.p50} ms, p95 ${latency[name]?.p95} ms`);
      }
      return { edges: o.edges, nodes, queries_per_statement: n, load, latency_ms: latency, data_dir_mb: dirSizeMb(join(dir, 'data')), peak_rss_mb: peakRssMb() };
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type RemBenchResult = Awaited<ReturnType<typeof runRemOnce>>;

const nodeLabel = (i: number) => `${KINDS[i % KINDS.length]} ${i}`;

/** A node index skewed towards low numbers: node 0 is a hub, the tail has one or two edges. */
function skewed(rnd: () => number, n: number): number {
  return Math.min(n - 1, Math.floor(n * rnd() ** 2.5));
}

async function loadGraph(app: App, tenantId: string, edges: number, nodes: number) {
  const rnd = seededRandom(7);
  const started = performance.now();
  for (let done = 0; done < edges; done += BATCH) {
    const batch: EdgeInput[] = [];
    for (let i = 0; i < Math.min(BATCH, edges - done); i++) {
      const src = skewed(rnd, nodes);
      let dst = Math.floor(rnd() * nodes);
      if (dst === src) dst = (dst + 1) % nodes;
      batch.push({ src: nodeLabel(src), rel: REL_TYPES[Math.floor(rnd() * REL_TYPES.length)] as string, dst: nodeLabel(dst), weight: Math.round(rnd() * 100) / 100 });
    }
    await app.db.transaction((tx) => upsertEdges(tx, tenantId, batch, { origin: 'bench', ensureSrc: true }));
    if ((done / BATCH) % 20 === 0) progress(`rem: wrote ${done + batch.length}/${edges} edges`);
  }
  const s = (performance.now() - started) / 1000;
  const [counts] = await app.db.query<{ edges: number; entities: number; labels: number }>(
    `SELECT (SELECT count(*) FROM edges)::int AS edges, (SELECT count(*) FROM entities)::int AS entities, (SELECT count(*) FROM labels)::int AS labels`,
  );
  return { ...counts, write_s: Math.round(s * 10) / 10, edges_per_s: Math.round(edges / s) };
}

async function measure(app: App, actor: Actor, queries: string[]): Promise<Stat & { mean_nodes: number }> {
  for (const q of queries.slice(0, 5)) await app.services.rem.query(actor, q);
  const took: number[] = [];
  let nodes = 0;
  for (const q of queries) {
    const t = performance.now();
    const r = await app.services.rem.query(actor, q);
    took.push(performance.now() - t);
    nodes += (r.nodes?.length ?? 0) + (r.rows?.length ?? 0);
  }
  return {
    p50: ms(percentile(took, 50)), p95: ms(percentile(took, 95)), mean: ms(took.reduce((a, b) => a + b, 0) / took.length),
    mean_nodes: Math.round((nodes / queries.length) * 10) / 10,
  };
}
