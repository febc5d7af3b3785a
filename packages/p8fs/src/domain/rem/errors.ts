import type { ErrorCode } from '@p8fs/contracts';
import { AppError } from '../errors.js';

/** What a REM parse error carries, so a client (or an agent) can point at the mistake. */
export interface RemErrorDetails {
  /** 0-based character offset in the query. */
  position: number;
  expected: string[];
  /** The token found there, or "end of query". */
  found: string;
}

/** "A, B or C". */
export function alternatives(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

// Long queries are shown as a window around the position, so the caret stays on screen.
const WINDOW = 70;

/** The query on one line with a caret under `position`. */
export function caret(query: string, position: number): string {
  const flat = query.replace(/[\r\n\t]/g, ' ');
  const from = Math.max(0, position - WINDOW);
  const to = Math.min(flat.length, position + WINDOW);
  const head = from > 0 ? '…' : '';
  const line = `${head}${flat.slice(from, to)}${to < flat.length ? '…' : ''}`;
  return `  ${line}\n  ${' '.repeat(head.length + position - from)}^`;
}

/** A `rem.*` error pointing at a position: the first line says what went wrong, then the caret. */
export function remError(code: ErrorCode, query: string, details: RemErrorDetails, headline: string): AppError {
  return new AppError(code, `${headline}\n${caret(query, details.position)}`, details);
}

/** `expected X or Y at position N, found "Z"` (plus an optional hint line). */
export function remSyntaxError(query: string, position: number, expected: string[], found: string, hint?: string): AppError {
  const shown = found === 'end of query' ? found : `"${found}"`;
  const headline = `expected ${alternatives(expected)} at position ${position}, found ${shown}`;
  return remError('rem.syntax', query, { position, expected, found }, hint ? `${headline} (${hint})` : headline);
}
