import type { Db } from '../ports/db.js';
import type { Logger } from '../ports/logger.js';

const TABLES = 'resources, embeddings';

/**
 * Keeps planner statistics fresh on the embedded database. PGlite runs no autovacuum, and on
 * never-analysed tables the planner sorts every vector instead of walking the HNSW index
 * (measured: 2.7 s instead of 16 ms per query at 100k chunks; docs/benchmarks.md). PostgreSQL's
 * autovacuum does this itself, so there it is a no-op.
 */
export class PlannerStats {
  private written = 0;
  private sizeAtLastRun = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
  ) {}

  /** At startup: analyse tables that never were (reltuples < 0), and learn their size. */
  async init(): Promise<void> {
    if (this.db.kind !== 'pglite') return;
    const rows = await this.db.query<{ relname: string; reltuples: number }>(
      `SELECT relname, reltuples::float8 AS reltuples FROM pg_class WHERE relname IN ('resources', 'embeddings') AND relkind = 'r'`);
    if (rows.some((r) => r.reltuples < 0)) await this.analyze();
    else this.sizeAtLastRun = Math.max(0, ...rows.map((r) => r.reltuples));
  }

  /** Count rows just written; analyse once they exceed 10 % of the size at the last run (min 500). */
  async noteWrites(n: number): Promise<void> {
    if (this.db.kind !== 'pglite') return;
    this.written += n;
    if (this.running || this.written < Math.max(500, this.sizeAtLastRun * 0.1)) return;
    this.running = this.analyze().finally(() => {
      this.running = null;
    });
    await this.running;
  }

  private async analyze(): Promise<void> {
    const started = performance.now();
    await this.db.exec(`ANALYZE ${TABLES}`);
    // ANALYZE has just counted the rows: read its estimate rather than scanning again.
    const [row] = await this.db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'embeddings' AND relkind = 'r'`);
    this.sizeAtLastRun = Math.max(0, row?.n ?? 0);
    this.written = 0;
    this.log.debug({ rows: this.sizeAtLastRun, ms: Math.round(performance.now() - started) }, 'analysed tables');
  }
}
