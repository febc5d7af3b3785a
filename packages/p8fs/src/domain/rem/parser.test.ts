import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { parseRem, startsWithRemKeyword } from './parser.js';

function fail(query: string): AppError {
  try {
    parseRem(query);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`parsed: ${query}`);
}

describe('parseRem: forms', () => {
  it('LOOKUP / GET with bare, quoted, escaped and table-prefixed labels', () => {
    expect(parseRem('LOOKUP Sarah Chen')).toEqual({ kind: 'lookup', keys: [{ label: 'Sarah Chen' }] });
    expect(parseRem('get "Sarah Chen", \'Q3 plan\'')).toEqual({ kind: 'lookup', keys: [{ label: 'Sarah Chen' }, { label: 'Q3 plan' }] });
    expect(parseRem('LOOKUP "say ""hi"""').keys).toEqual([{ label: 'say "hi"' }]);
    expect(parseRem("LOOKUP 'O''Brien', O'Neil")).toMatchObject({ keys: [{ label: "O'Brien" }, { label: "O'Neil" }] });
    expect(parseRem('lookup moments:Team offsite, files:"report.pdf", Resources:x').keys).toEqual([
      { label: 'Team offsite', table: 'moments' }, { label: 'report.pdf', table: 'files' }, { label: 'x', table: 'resources' },
    ]);
    // A colon that is not a table prefix stays part of the label.
    expect(parseRem('LOOKUP meeting 10:30, https://x.org/a').keys).toEqual([{ label: 'meeting 10:30' }, { label: 'https://x.org/a' }]);
  });

  it('FUZZY with bare or quoted text, LIMIT and THRESHOLD in any order', () => {
    expect(parseRem('FUZZY sara chen')).toEqual({ kind: 'fuzzy', text: 'sara chen', limit: 10 });
    expect(parseRem('fuzzy "limit theory" threshold 0.4 limit 3')).toEqual({ kind: 'fuzzy', text: 'limit theory', limit: 3, threshold: 0.4 });
    expect(parseRem('FUZZY smith, john LIMIT 5')).toMatchObject({ text: 'smith, john', limit: 5 });
  });

  it('SEARCH with IN, LIMIT, THRESHOLD', () => {
    expect(parseRem('SEARCH "quarterly planning"')).toEqual({ kind: 'search', text: 'quarterly planning', limit: 10 });
    expect(parseRem('search "budget" IN Moments LIMIT 100 THRESHOLD .5')).toEqual({
      kind: 'search', text: 'budget', table: 'moments', limit: 100, threshold: 0.5,
    });
    expect(parseRem('SEARCH budget review in files')).toMatchObject({ text: 'budget review', table: 'files' });
  });

  it('SQL is kept verbatim', () => {
    expect(parseRem('  select name from resources ')).toEqual({ kind: 'sql', sql: 'select name from resources' });
    expect(parseRem('WITH x AS (SELECT 1) SELECT * FROM x')).toMatchObject({ kind: 'sql' });
  });

  it('TRAVERSE with defaults, rel lists, PLAN, DEPTH 0 and clauses in any order', () => {
    expect(parseRem('TRAVERSE WITH LOOKUP Sarah Chen')).toEqual({
      kind: 'traverse', plan: false, relTypes: [], entry: { kind: 'lookup', keys: [{ label: 'Sarah Chen' }] }, depth: 1, direction: 'out', limit: 25,
    });
    expect(parseRem('traverse [knows, "works with"] with lookup "Sarah" limit 200 direction BOTH depth 5')).toMatchObject({
      relTypes: ['knows', 'works with'], depth: 5, direction: 'both', limit: 200, plan: false,
    });
    expect(parseRem('TRAVERSE knows, authored WITH GET a, b DEPTH 2')).toMatchObject({
      relTypes: ['knows', 'authored'], entry: { keys: [{ label: 'a' }, { label: 'b' }] }, depth: 2,
    });
    expect(parseRem('TRAVERSE PLAN WITH LOOKUP x')).toMatchObject({ plan: true });
    expect(parseRem('TRAVERSE WITH LOOKUP x DEPTH 0')).toMatchObject({ plan: true, depth: 0 });
    expect(parseRem('TRAVERSE [] WITH SEARCH "q3 budget" IN moments THRESHOLD 0.2 LIMIT 7 DEPTH 3')).toMatchObject({
      relTypes: [], entry: { kind: 'search', text: 'q3 budget', table: 'moments', threshold: 0.2, limit: 5 }, limit: 7, depth: 3,
    });
  });

  it('recognises REM keywords for the natural-language hook', () => {
    expect(startsWithRemKeyword('  lookup x')).toBe(true);
    expect(startsWithRemKeyword('with x as (select 1) select 1')).toBe(true);
    expect(startsWithRemKeyword('who did I meet last week?')).toBe(false);
    expect(startsWithRemKeyword('')).toBe(false);
  });
});

describe('parseRem: errors', () => {
  const cases: Array<[string, string, number, string[], string]> = [
    ['', 'rem.syntax', 0, ['LOOKUP', 'GET', 'FUZZY', 'SEARCH', 'TRAVERSE', 'SELECT', 'WITH'], 'end of query'],
    ['DELETE FROM files', 'rem.syntax', 0, ['LOOKUP', 'GET', 'FUZZY', 'SEARCH', 'TRAVERSE', 'SELECT', 'WITH'], 'DELETE'],
    ['LOOKUP', 'rem.syntax', 6, ['a label'], 'end of query'],
    ['LOOKUP a,', 'rem.syntax', 9, ['a label'], 'end of query'],
    ['LOOKUP "a" "b"', 'rem.syntax', 11, ['","', 'end of query'], 'b'],
    ['LOOKUP "unterminated', 'rem.syntax', 7, ['closing "'], 'end of query'],
    ['LOOKUP ""', 'rem.syntax', 7, ['a label'], ''],
    ['LOOKUP files:', 'rem.syntax', 13, ['a label after files:'], 'end of query'],
    ['FUZZY LIMIT 3', 'rem.syntax', 6, ['text to match'], 'LIMIT'],
    ['FUZZY x LIMIT', 'rem.syntax', 13, ['a whole number after LIMIT'], 'end of query'],
    ['FUZZY x LIMIT 2 LIMIT 3', 'rem.syntax', 16, ['THRESHOLD', 'end of query'], 'LIMIT'],
    ['FUZZY x THRESHOLD high', 'rem.syntax', 18, ['a number between 0 and 1 after THRESHOLD'], 'high'],
    ['SEARCH "x" IN tenants', 'rem.syntax', 14, ['resources', 'files', 'moments', 'agents'], 'tenants'],
    ['SEARCH "x" LIMIT 101', 'rem.limit', 17, ['1..100'], '101'],
    ['SEARCH "x" LIMIT 0', 'rem.limit', 17, ['1..100'], '0'],
    ['SEARCH "x" THRESHOLD 1.5', 'rem.limit', 21, ['0..1'], '1.5'],
    ['SEARCH "x" ORDER BY name', 'rem.syntax', 11, ['IN', 'LIMIT', 'THRESHOLD', 'end of query'], 'ORDER'],
    ['TRAVERSE WITH LOOKUP "Sarah" DEPT 2', 'rem.syntax', 29, ['","', 'DEPTH', 'DIRECTION', 'LIMIT', 'end of query'], 'DEPT'],
    ['TRAVERSE WITH LOOKUP x DEPTH 6', 'rem.limit', 29, ['0..5'], '6'],
    ['TRAVERSE WITH LOOKUP x DEPTH 99999', 'rem.limit', 29, ['0..5'], '99999'],
    ['TRAVERSE WITH LOOKUP x LIMIT 201', 'rem.limit', 29, ['1..200'], '201'],
    ['TRAVERSE WITH LOOKUP x DIRECTION up', 'rem.syntax', 33, ['out', 'in', 'both'], 'up'],
    ['TRAVERSE WITH FUZZY x', 'rem.syntax', 14, ['LOOKUP', 'SEARCH'], 'FUZZY'],
    ['TRAVERSE LOOKUP x', 'rem.syntax', 9, ['PLAN', '"["', 'an edge type', 'WITH'], 'LOOKUP'],
    ['TRAVERSE [a, b WITH LOOKUP x', 'rem.syntax', 15, ['"]"', '","'], 'WITH'],
    ['TRAVERSE knows likes WITH LOOKUP x', 'rem.syntax', 15, ['","', 'WITH'], 'likes'],
    ['TRAVERSE WITH LOOKUP x DEPTH 1 DEPTH 2', 'rem.syntax', 31, ['DIRECTION', 'LIMIT', 'end of query'], 'DEPTH'],
  ];

  it.each(cases)('%j -> %s at %i', (query, code, position, expected, found) => {
    const err = fail(query);
    expect(err.code).toBe(code);
    expect(err.details).toEqual({ position, expected, found });
    // The message ends with the query and a caret under the position.
    const lines = err.message.split('\n');
    expect(lines.at(-1)?.indexOf('^')).toBe(2 + position);
  });

  it('phrases the headline for people', () => {
    expect(fail('TRAVERSE WITH LOOKUP "Sarah" DEPT 2').message).toBe(
      'expected ",", DEPTH, DIRECTION, LIMIT or end of query at position 29, found "DEPT"\n' +
        '  TRAVERSE WITH LOOKUP "Sarah" DEPT 2\n' +
        `  ${' '.repeat(29)}^`,
    );
    expect(fail('TRAVERSE WITH LOOKUP x DEPTH 6').message.split('\n')[0]).toBe('DEPTH must be between 0 and 5, got 6');
    expect(fail('FUZZY x LIMIT 2 LIMIT 3').message).toContain('(LIMIT given twice)');
  });

  it('keeps the caret on screen for long queries', () => {
    const query = `SEARCH "${'x'.repeat(300)}" LIMIT nope`;
    const lines = fail(query).message.split('\n');
    const caretAt = (lines.at(-1) as string).indexOf('^');
    expect((lines.at(-2) as string).slice(caretAt, caretAt + 4)).toBe('nope');
  });
});
