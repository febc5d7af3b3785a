import { loadModule, parseSync } from 'libpg-query';
import { AppError } from '../../domain/errors.js';
import { remError } from '../../domain/rem/errors.js';
import { nestingOverflowAt } from './sql-nesting.js';
import { checkSelect, SqlRefusal } from './sql-walk.js';
import { REM_SQL_TABLES } from './sql-policy.js';

/** Row caps for REM SQL: the default and the most a caller may ask for. */
export const SQL_ROW_CAP = { default: 100, max: 1000 } as const;

/** A user SELECT that passed the guard, wrapped so it can only see the tenant's rows. */
export interface GuardedSql {
  /** Run with one parameter: $1 = the caller's tenant id. */
  text: string;
  /** The allow-listed tables the query reads. */
  tables: string[];
  /** The wrapper fetches cap + 1 rows, so one more than cap means the cap cut the result. */
  cap: number;
}

let loaded: Promise<void> | null = null;

/** Load the PostgreSQL parser (WASM) once per process. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/**
 * Validate one user SELECT with the real PostgreSQL parser and wrap it. The guard never edits the
 * user's text: it refuses what it cannot prove read-only and tenant-bound, and otherwise places the
 * statement inside
 *   WITH <table> AS (SELECT <safe columns> FROM public.<table> WHERE tenant_id = $1), ...
 *   SELECT * FROM (<statement>) AS rem_result LIMIT <cap + 1>
 * The CTEs shadow the table names, so every table the statement can name is already the caller's
 * rows; the tenant predicate comes from the engine, never from the user.
 */
export async function guardSql(sql: string, cap: number = SQL_ROW_CAP.default): Promise<GuardedSql> {
  if (!Number.isInteger(cap) || cap < 1 || cap > SQL_ROW_CAP.max) {
    throw new AppError('rem.limit', `the row cap must be between 1 and ${SQL_ROW_CAP.max}, got ${cap}`);
  }
  refuseDeepNesting(sql);
  await loadSqlParser();
  const bytes = Buffer.from(sql, 'utf8');
  let tree: { stmts?: Array<{ stmt: Record<string, unknown>; stmt_location?: number; stmt_len?: number }> };
  try {
    tree = parseSync(sql);
  } catch (err) {
    // Should the bound above ever miss a construct, a blown stack is still the caller's to fix.
    if (err instanceof RangeError) throw tooDeep(sql, 0);
    const details = (err as { sqlDetails?: { cursorPosition?: number } }).sqlDetails;
    // libpg-query reports the cursor as a 0-based byte offset.
    const at = charOffset(bytes, Math.max(0, details?.cursorPosition ?? 0));
    const message = err instanceof Error ? err.message : String(err);
    throw remError('rem.syntax', sql, { position: at, expected: [], found: tokenAt(sql, at) }, `SQL ${message}`);
  }
  const stmts = tree.stmts ?? [];
  if (stmts.length !== 1) {
    const at = stmts.length > 1 ? charOffset(bytes, stmts[1]?.stmt_location ?? 0) : 0;
    throw remError('rem.not_allowed', sql, { position: at, expected: ['one SELECT'], found: `${stmts.length} statements` },
      `exactly one SELECT statement is allowed, found ${stmts.length}`);
  }
  const only = stmts[0] as NonNullable<(typeof stmts)[0]>;
  const [type, body] = Object.entries(only.stmt)[0] ?? ['unknown', {}];
  let tables: string[];
  try {
    if (type !== 'SelectStmt') throw new SqlRefusal(`${describe(type)} statements are not allowed: REM SQL is a single read-only SELECT`, 0, describe(type));
    tables = checkSelect(body as Record<string, unknown>);
  } catch (err) {
    if (!(err instanceof SqlRefusal)) throw err;
    const at = err.location === undefined ? 0 : charOffset(bytes, err.location);
    throw remError('rem.not_allowed', sql, { position: at, expected: err.expected, found: err.found }, `not allowed: ${err.reason}`);
  }
  // The statement's own text without a trailing semicolon (offsets are bytes, not characters).
  const start = only.stmt_location ?? 0;
  const statement = bytes.subarray(start, only.stmt_len ? start + only.stmt_len : bytes.length).toString('utf8');
  return { text: wrap(statement, tables, cap), tables, cap };
}

/**
 * Operators, brackets and chaining keywords a statement may have (see sql-nesting.ts). The parser
 * overflows its stack at about 2,400 nested subqueries, fewer levels than any other construct needs;
 * people and assistants write a few dozen such tokens, a few hundred in a long report query.
 */
export const MAX_SQL_NESTING = 1000;

function refuseDeepNesting(sql: string): void {
  const at = nestingOverflowAt(sql, MAX_SQL_NESTING);
  if (at !== null) throw tooDeep(sql, at);
}

function tooDeep(sql: string, at: number): AppError {
  return remError('rem.limit', sql, { position: at, expected: [`at most ${MAX_SQL_NESTING} operators, brackets and chained keywords`], found: tokenAt(sql, at) },
    `the statement nests too deeply (over ${MAX_SQL_NESTING} operators, brackets and chained keywords such as NOT, UNION, JOIN): split it or simplify it`);
}

function wrap(statement: string, tables: string[], cap: number): string {
  const ctes = tables.map((t) => `${t} AS (SELECT ${(REM_SQL_TABLES[t] ?? []).join(', ')} FROM public.${t} WHERE tenant_id = $1)`);
  // Newlines around the statement: a trailing `-- comment` must not swallow the closing parenthesis.
  return `${ctes.length ? `WITH ${ctes.join(',\n  ')}\n` : ''}SELECT * FROM (\n${statement}\n) AS rem_result LIMIT ${cap + 1}`;
}

function describe(type: string): string {
  return type.replace(/Stmt$/, '').replace(/([a-z])([A-Z])/g, '$1 $2').toUpperCase();
}

function charOffset(bytes: Buffer, byteOffset: number): number {
  return bytes.subarray(0, Math.min(byteOffset, bytes.length)).toString('utf8').length;
}

function tokenAt(sql: string, at: number): string {
  return /^\S*/.exec(sql.slice(at))?.[0] || 'end of query';
}
