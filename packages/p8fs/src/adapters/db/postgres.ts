import pg from 'pg';
import type { Db, QueryBounds, SqlRunner } from '../../ports/db.js';
import type { DbPoolStats } from '../../ports/metrics.js';
import type { AppError } from '../../domain/errors.js';
import { budgetMs, cancelled, timedOut } from '../../domain/query-errors.js';

// SQLSTATE 57014: query_canceled (statement_timeout, pg_cancel_backend).
const QUERY_CANCELED = '57014';

// node-postgres returns int8 and numeric as strings; counts in our SQL are cast to int, and
// timestamps stay Date objects like PGlite's.

/** Db port over a PostgreSQL server (or PGlite's wire socket) with a connection pool. */
export class PostgresDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: pg.Pool;

  /** settings: session GUCs applied to every pooled connection (SET only reaches one connection). */
  constructor(url: string, max = 10, settings: Record<string, string> = {}) {
    const options = Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`).join(' ');
    this.pool = new pg.Pool({ connectionString: url, max, ...(options ? { options } : {}) });
    // An idle pooled connection that the server drops (a restart, a failover, an idle timeout) is
    // reported here; unhandled, it would crash the process. The pool discards it and the next query
    // opens a fresh connection, so there is nothing more to do.
    this.pool.on('error', () => {});
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.pool.query(sql, params as unknown[]);
    return res.rows as T[];
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const { client, release } = await this.checkout();
    try {
      await client.query('BEGIN');
      const out = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) =>
          (await client.query(sql, params as unknown[])).rows as R[],
      });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      release(false);
    }
  }

  /**
   * A pooled connection for a transaction. While it is checked out the pool does not listen for its
   * errors, and a server that ends the connection meanwhile (a restart, `pg_terminate_backend`)
   * emits 'error' on it: unhandled, that kills the process. The listener keeps the process alive
   * (the statement in flight fails on its own) and the dead connection is discarded, not reused.
   */
  private async checkout(): Promise<{ client: pg.PoolClient; release: (discard: boolean) => void }> {
    const client = await this.pool.connect();
    let lost = false;
    const onError = () => {
      lost = true;
    };
    client.on('error', onError);
    return {
      client,
      release: (discard) => {
        client.off('error', onError);
        client.release(discard || lost);
      },
    };
  }

  /**
   * A READ ONLY transaction on its own connection, with statement_timeout for each statement and a
   * timer for the whole: past the budget, or when the caller goes away, the running statement is
   * cancelled from another connection (pg_cancel_backend) and this connection is discarded, so a
   * late cancel can never reach a statement of the pool's next user.
   */
  async readOnly<T>(fn: (tx: SqlRunner) => Promise<T>, bounds: QueryBounds): Promise<T> {
    if (bounds.signal?.aborted) throw cancelled();
    const ms = budgetMs(bounds.timeoutMs);
    const { client, release } = await this.checkout();
    const pid = (client as unknown as { processID: number }).processID;
    let stopped: AppError | null = null;
    const stop = (err: AppError) => {
      if (stopped) return;
      stopped = err;
      this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
    };
    const timer = setTimeout(() => stop(timedOut(ms)), ms);
    const onAbort = () => stop(cancelled());
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await client.query('BEGIN READ ONLY');
      await client.query(`SET LOCAL statement_timeout = ${ms}`);
      const out = await fn({ query: async <R>(sql: string, params: readonly unknown[] = []) => (await client.query(sql, params as unknown[])).rows as R[] });
      await client.query('COMMIT');
      return out;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      if (stopped) throw stopped;
      if ((err as { code?: unknown }).code === QUERY_CANCELED) throw timedOut(ms);
      throw err;
    } finally {
      clearTimeout(timer);
      bounds.signal?.removeEventListener('abort', onAbort);
      release(stopped !== null);
    }
  }

  /** node-postgres's own counts: open connections, idle ones, and queries waiting for one. */
  poolStats(): DbPoolStats {
    return { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
