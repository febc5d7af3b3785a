import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseRem } from './parser.js';

/** The parse's outcome: the query kind, or the code of the AppError it refused with. */
function outcome(query: string): string {
  try {
    return parseRem(query).kind;
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  }
}

// The grammar has no nesting (no recursion a query can drive), so the longest query a request may
// send (20,000 characters) parses or fails in linear time. These are the shapes that would hurt a
// recursive or backtracking parser.
describe('parseRem on 20,000-character queries', () => {
  it.each([
    ['brackets', `TRAVERSE ${'['.repeat(19_990)}`, 'rem.syntax'],
    ['edge types', `TRAVERSE ${'knows, '.repeat(2_800)}knows WITH LOOKUP x`, 'traverse'],
    ['labels', `LOOKUP ${'a, '.repeat(6_600)}a`, 'rem.limit'],
    ['doubled quotes', `SEARCH "${'""'.repeat(9_990)}x"`, 'search'],
    ['an unterminated string', `FUZZY "${'x'.repeat(19_990)}`, 'rem.syntax'],
    ['repeated clauses', `SEARCH x${' LIMIT 5'.repeat(2_400)}`, 'rem.syntax'],
  ])('%s', (_what, query, expected) => {
    expect(query.length).toBeLessThanOrEqual(20_000);
    // A quadratic or backtracking parse of these runs for minutes: the test's timeout is the bound
    // (a duration assertion would fail on a loaded machine, not on a slow parser).
    expect(outcome(query)).toBe(expected);
  }, 20_000);
});
