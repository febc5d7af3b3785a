import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import type { Db, SqlRunner } from '../../ports/db.js';

/** Open an embedded PGlite database with pgvector and pg_trgm. dir undefined = in memory. */
export async function openPglite(dir?: string): Promise<PgliteDb> {
  if (dir) mkdirSync(dir, { recursive: true });
  const pg = await PGlite.create({ dataDir: dir, extensions: { vector, pg_trgm } });
  return new PgliteDb(pg);
}

/** Db port over PGlite. PGlite serialises queries itself, so no pool is needed. */
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

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}
