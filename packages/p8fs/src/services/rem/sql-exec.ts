import { AppError, isAppError } from '../../domain/errors.js';
import type { Db, SqlRunner } from '../../ports/db.js';
import type { QueryBudget } from '../query-budget.js';
import type { GuardedSql } from './sql-guard.js';

export interface SqlRows {
  rows: Record<string, unknown>[];
  /** Column names of the first row (a query that returns no rows reports none). */
  columns: string[];
  /** True when the row cap cut the result. */
  truncated: boolean;
}

/**
 * The planner's cost estimate above which a statement is refused before it runs. Measured on PGlite:
 * a plan of cost 5.06e6 (a 225M-row cross join of two unnests) ran 34 s, and a count over 100k
 * resources costs about 3e4, so 1e6 refuses what would run for seconds and leaves room for real
 * questions. Estimates can be far off (a set-returning function over a subquery is guessed at 100
 * rows), so the query budget, which stops the statement itself, is the guarantee; this only refuses
 * the obvious at once.
 */
export const SQL_MAX_COST = 1_000_000;

// SQLSTATE 57014: query_canceled (statement_timeout).
const QUERY_CANCELED = '57014';

/**
 * Run a guarded SELECT for one tenant inside the request's budget: a READ ONLY transaction (the
 * second wall behind the guard: even a statement that slipped through cannot write) with search_path
 * pinned to the built-ins and public, refused by its EXPLAIN cost first, and stopped when the budget
 * runs out or the caller goes away, on PGlite as on PostgreSQL (Db.readOnly).
 */
export async function execGuarded(db: Db, tenantId: string, q: GuardedSql, budget: QueryBudget): Promise<SqlRows> {
  // No table read means no tenant CTE, and so no $1 to bind.
  const params = q.tables.length ? [tenantId] : [];
  try {
    const rows = await budget.read(db, async (tx) => {
      await tx.query('SET LOCAL search_path = pg_catalog, public');
      await refuseCostly(tx, q.text, params);
      return tx.query<Record<string, unknown>>(q.text, params);
    });
    const truncated = rows.length > q.cap;
    const kept = truncated ? rows.slice(0, q.cap) : rows;
    return { rows: kept, columns: kept[0] ? Object.keys(kept[0]) : [], truncated };
  } catch (err) {
    throw toRemError(err, budget.timeoutMs);
  }
}

/** rem.limit when the planner expects the statement to cost more than SQL_MAX_COST. */
async function refuseCostly(tx: SqlRunner, text: string, params: unknown[]): Promise<void> {
  const [row] = await tx.query<{ 'QUERY PLAN': Array<{ Plan: { 'Total Cost': number; 'Plan Rows': number } }> }>(`EXPLAIN (FORMAT JSON) ${text}`, params);
  const plan = row?.['QUERY PLAN'][0]?.Plan;
  if (plan && plan['Total Cost'] > SQL_MAX_COST) {
    const cost = Math.round(plan['Total Cost']);
    throw new AppError('rem.limit',
      `the planner estimates this query at cost ${cost.toLocaleString('en')}, above the ${SQL_MAX_COST.toLocaleString('en')} a REM statement may take: ` +
        'narrow it with WHERE, join on keys instead of crossing tables, or aggregate less', { estimated_cost: cost, max_cost: SQL_MAX_COST });
  }
}

/** PostgreSQL errors become rem.sql_error with the server's message; a stopped statement is rem.timeout. */
function toRemError(err: unknown, ms: number): unknown {
  const e = err as { code?: unknown; message?: unknown; detail?: unknown; hint?: unknown };
  if (isAppError(err, 'query.timeout') || e?.code === QUERY_CANCELED) {
    return new AppError('rem.timeout', `the query ran past its ${ms} ms budget and was stopped`, { timeout_ms: ms });
  }
  if (typeof e?.code !== 'string' || !/^[0-9A-Z]{5}$/.test(e.code)) return err;
  const message = String(e.message ?? 'query failed');
  const details = { sqlstate: e.code, ...(e.detail ? { detail: String(e.detail) } : {}), ...(e.hint ? { hint: String(e.hint) } : {}) };
  return new AppError('rem.sql_error', `SQL error: ${message}`, details);
}
