import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db, QueryBounds, SqlRunner } from '../../ports/db.js';
import { budgetMs, cancelled, timedOut } from '../../domain/query-errors.js';

/**
 * Open PGlite in this thread, with pgvector and pg_trgm. dir undefined = in memory. For in-memory
 * databases (tests, benchmarks); a vault on disk runs in its own thread (pglite-worker.ts), where a
 * runaway read can be stopped.
 */
export async function openPglite(dir?: string): Promise<PgliteDb> {
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pg = await PGlite.create({ dataDir: dir, extensions: { vector, pg_trgm } });
  return new PgliteDb(pg);
}

/** Db port over PGlite in process. PGlite serialises queries itself, so no pool is needed. */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  constructor(readonly pg: PGlite) {}

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.pg.query<T>(sql, params as unknown[]);
    return res.rows;
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx) =>
      fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await tx.query<R>(sql, params as unknown[])).rows,
      }),
    );
  }

  /**
   * In process nothing can interrupt a statement, so the bounds are checked at the edges: a caller
   * already gone is refused, and a read that finished past its budget fails like it would have been
   * stopped (the same answer as the worker adapter, later).
   */
  async readOnly<T>(fn: (tx: SqlRunner) => Promise<T>, bounds: QueryBounds): Promise<T> {
    if (bounds.signal?.aborted) throw cancelled();
    const ms = budgetMs(bounds.timeoutMs);
    const started = performance.now();
    const out = await this.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      return fn(tx);
    });
    if (performance.now() - started > ms) throw timedOut(ms);
    if (bounds.signal?.aborted) throw cancelled();
    return out;
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}
