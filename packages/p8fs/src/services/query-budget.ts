import { timedOut } from '../domain/query-errors.js';
import type { Db, SqlRunner } from '../ports/db.js';

/**
 * The time one request may spend in reads it shaped, across all the reads it makes (a REM SEARCH
 * is a search and then file lookups; a traverse is one read per hop), and the caller's abort
 * signal. It also adds up the time the database actually spent on them, which the tenant is
 * charged for (TenantGate).
 */
export class QueryBudget {
  private readonly until: number;
  private spent = 0;

  constructor(
    readonly timeoutMs: number,
    readonly signal?: AbortSignal,
  ) {
    this.until = performance.now() + timeoutMs;
  }

  /** Database time used so far, in ms. */
  get spentMs(): number {
    return this.spent;
  }

  /** Run fn as a bounded READ ONLY transaction with what is left of the budget. */
  async read<T>(db: Db, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    const left = Math.floor(this.until - performance.now());
    if (left <= 0) throw timedOut(this.timeoutMs);
    return db.readOnly(async (tx) => {
      const started = performance.now();
      try {
        return await fn(tx);
      } finally {
        this.spent += performance.now() - started;
      }
    }, { timeoutMs: left, signal: this.signal });
  }
}
