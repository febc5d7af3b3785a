import pg from 'pg';
import type { Db, SqlRunner } from '../../ports/db.js';

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
    const client = await this.pool.connect();
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
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
