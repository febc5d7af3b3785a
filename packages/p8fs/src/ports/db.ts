import type { DbPoolStats } from './metrics.js';

/** A SQL session: plain SQL with positional parameters ($1, $2, ...). */
export interface SqlRunner {
  /** Run one statement and return its rows. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** How long a read a caller shaped (REM, search, a graph walk) may hold the database, and when to give up. */
export interface QueryBounds {
  /** Wall-clock budget in ms, counted from when the read gets the database. */
  timeoutMs: number;
  /** Aborted when the caller went away (an HTTP client disconnected, an MCP request was cancelled). */
  signal?: AbortSignal | undefined;
}

/** The database port. Adapters: PGlite (embedded, in a worker thread or in process) and PostgreSQL (node-postgres). */
export interface Db extends SqlRunner {
  readonly kind: 'pglite' | 'postgres';
  /** Run a script of several statements without parameters (migrations, DDL). */
  exec(sql: string): Promise<void>;
  /** Run fn in one transaction; it commits when fn resolves and rolls back when it throws. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /**
   * Run fn in a READ ONLY transaction that stops when its budget runs out (AppError `query.timeout`)
   * or its signal aborts (`query.cancelled`), whatever the statements do: no request a caller shapes
   * may hold the database for everyone else. fn must only use tx (the database is busy meanwhile).
   */
  readOnly<T>(fn: (tx: SqlRunner) => Promise<T>, bounds: QueryBounds): Promise<T>;
  /** Connections in use and callers waiting, for metrics; absent where there is no pool to watch (in-memory PGlite). */
  poolStats?(): DbPoolStats;
  close(): Promise<void>;
}
