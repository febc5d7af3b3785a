/** A SQL session: plain SQL with positional parameters ($1, $2, ...). */
export interface SqlRunner {
  /** Run one statement and return its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** The database port. Adapters: PGlite (embedded) and PostgreSQL (node-postgres). */
export interface Db extends SqlRunner {
  readonly kind: 'pglite' | 'postgres';
  /** Run a script of several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** Run fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
