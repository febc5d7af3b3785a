import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openPglite } from '../../adapters/db/pglite.js';
import { openPgliteWorker, type PgliteWorkerDb } from '../../adapters/db/pglite-worker.js';
import type { Db } from '../../ports/db.js';
import { ms, peakRssMb, percentile, progress, TMP_DIR } from '../common.js';

// What running the embedded database in its own thread costs (decision 0016): the same statements on
// file-backed PGlite in this thread (the baseline, as before) and in a worker thread, in one run, and
// how long a stopped read takes to give the database back (terminate + reopen the data dir).

export type DbAdapterName = 'in-thread' | 'worker';

export interface DbBenchResult {
  adapter: DbAdapterName;
  open_ms: number;
  /** single-row SELECT by primary key, one at a time */
  point_reads_per_s: number;
  point_read_p50_ms: number;
  point_read_p95_ms: number;
  /** INSERT of one 1 KB row per statement, autocommit */
  inserts_per_s: number;
  /** transactions of 10 INSERTs each */
  transactions_per_s: number;
  /** SELECT of 200 rows of 1 KB (result transfer) */
  wide_reads_per_s: number;
  /** worker only: from the budget firing to the next statement answered */
  stop_to_next_ms?: number;
  peak_rss_mb: number;
}

const ROW = 'x'.repeat(1000);

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<{ perS: number; samples: number[] }> {
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    samples.push(performance.now() - t);
  }
  return { perS: Math.round(n / ((performance.now() - started) / 1000)), samples };
}

/** One adapter, in this process (run.ts forks one process per adapter). */
export async function runDbOnce(opts: { quick: boolean; adapter: DbAdapterName }): Promise<DbBenchResult> {
  mkdirSync(TMP_DIR, { recursive: true });
  const dir = mkdtempSync(join(TMP_DIR, 'db-'));
  const scale = opts.quick ? 0.2 : 1;
  try {
    // The first open runs initdb; the figure that matters is a reopen of an existing dir.
    await (await open(opts.adapter, dir)).close();
    const t0 = performance.now();
    const db = await open(opts.adapter, dir);
    const openMs = performance.now() - t0;
    await db.exec('CREATE TABLE IF NOT EXISTS bench (id int PRIMARY KEY, body text)');
    progress(`db ${opts.adapter}: inserts`);
    const inserts = await timed(Math.round(2000 * scale), (i) => db.query('INSERT INTO bench VALUES ($1, $2)', [i, ROW]));
    const txs = await timed(Math.round(200 * scale), (i) => db.transaction(async (tx) => {
      for (let k = 0; k < 10; k++) await tx.query('INSERT INTO bench VALUES ($1, $2)', [1_000_000 + i * 10 + k, ROW]);
    }));
    progress(`db ${opts.adapter}: reads`);
    const n = Math.round(2000 * scale);
    const points = await timed(Math.round(3000 * scale), (i) => db.query('SELECT body FROM bench WHERE id = $1', [i % n]));
    const wide = await timed(Math.round(300 * scale), () => db.query('SELECT id, body FROM bench ORDER BY id LIMIT 200'));
    let stopToNext: number | undefined;
    if (opts.adapter === 'worker') {
      const budget = 200;
      const t = performance.now();
      await db.readOnly((tx) => tx.query('SELECT count(*) FROM generate_series(1, 2000000000)'), { timeoutMs: budget }).catch(() => {});
      await db.query('SELECT 1');
      stopToNext = performance.now() - t - budget;
      if ((db as PgliteWorkerDb).engineRestarts !== 1) throw new Error('the runaway was not stopped');
    }
    await db.close();
    return {
      adapter: opts.adapter, open_ms: ms(openMs), point_reads_per_s: points.perS,
      point_read_p50_ms: ms(percentile(points.samples, 50)), point_read_p95_ms: ms(percentile(points.samples, 95)),
      inserts_per_s: inserts.perS, transactions_per_s: txs.perS, wide_reads_per_s: wide.perS,
      ...(stopToNext === undefined ? {} : { stop_to_next_ms: ms(stopToNext) }), peak_rss_mb: peakRssMb(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function open(adapter: DbAdapterName, dir: string): Promise<Db> {
  return adapter === 'worker' ? openPgliteWorker(join(dir, 'db')) : openPglite(join(dir, 'db'));
}
