import { AppError } from '../../domain/errors.js';
import type { Db } from '../../ports/db.js';
import type { GuardedSql } from './sql-guard.js';

export interface SqlRows {
  rows: Record<string, unknown>[];
  /** Column names of the first row (a query that returns no rows reports none). */
  columns: string[];
  /** True when the row cap cut the result. */
  truncated: boolean;
}

/** Default per-statement time budget. */
export const SQL_TIMEOUT_MS = 5_000;

// SQLSTATE 57014: query_canceled (statement_timeout).
const QUERY_CANCELED = '57014';

/**
 * Run a guarded SELECT for one tenant: in a READ ONLY transaction (the second wall behind the guard:
 * even a statement that slipped through cannot write), with search_path pinned to the built-ins and
 * public, and with a statement timeout.
 *
 * PostgreSQL honours SET LOCAL statement_timeout. PGlite (single-threaded WASM) accepts the setting
 * but never fires it: a 30M-row generate_series ran 12 s under a 200 ms timeout. On PGlite the bound
 * is the guard's function allow-list (no generate_series, pg_sleep, repeat, recursive CTEs) and the
 * row cap; a cross join over large tables can still run long there.
 */
export async function execGuarded(db: Db, tenantId: string, q: GuardedSql, timeoutMs = SQL_TIMEOUT_MS): Promise<SqlRows> {
  const ms = Math.max(1, Math.floor(timeoutMs));
  try {
    const rows = await db.transaction(async (tx) => {
      await tx.query('SET TRANSACTION READ ONLY');
      await tx.query(`SET LOCAL statement_timeout = ${ms}`);
      await tx.query('SET LOCAL search_path = pg_catalog, public');
      // No table read means no tenant CTE, and so no $1 to bind.
      return tx.query<Record<string, unknown>>(q.text, q.tables.length ? [tenantId] : []);
    });
    const truncated = rows.length > q.cap;
    const kept = truncated ? rows.slice(0, q.cap) : rows;
    return { rows: kept, columns: kept[0] ? Object.keys(kept[0]) : [], truncated };
  } catch (err) {
    throw toRemError(err, ms);
  }
}

/** PostgreSQL errors become rem.sql_error with the server's message; a cancel is rem.timeout. */
function toRemError(err: unknown, ms: number): unknown {
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return err;
  if (e.code === QUERY_CANCELED) return new AppError('rem.timeout', `the query ran past its ${ms} ms budget and was cancelled`, { timeout_ms: ms });
  const message = String(e.message ?? 'query failed');
  const details = { sqlstate: e.code, ...(e.detail ? { detail: String(e.detail) } : {}), ...(e.hint ? { hint: String(e.hint) } : {}) };
  return new AppError('rem.sql_error', `SQL error: ${message}`, details);
}
