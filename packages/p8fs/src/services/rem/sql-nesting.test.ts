import { describe, expect, it } from 'vitest';
import { nestingOverflowAt } from './sql-nesting.js';

const deep = (n: number) => Array(n).fill('1').join('+');

describe('nestingOverflowAt', () => {
  it('counts operators, brackets and chaining keywords in code, and says where the bound broke', () => {
    expect(nestingOverflowAt(`SELECT ${deep(11)}`, 10)).toBeNull();
    expect(nestingOverflowAt(`SELECT ${deep(12)}`, 10)).toBe('SELECT '.length + 21);
    expect(nestingOverflowAt(`SELECT ${'NOT '.repeat(11)}true`, 10)).not.toBeNull();
    expect(nestingOverflowAt(Array(12).fill('SELECT 1').join(' union '), 10)).not.toBeNull();
    // Words that merely contain a keyword do not count.
    expect(nestingOverflowAt(`SELECT ${Array(20).fill('notes, island, joint').join(', ')} FROM files`, 10)).toBeNull();
  });

  it('skips strings, quoted identifiers, dollar quotes and comments', () => {
    const noise = '+-*/(('.repeat(10);
    // What would close a comment in PostgreSQL too stays out of the comment's text.
    const quiet = '+-<>=(('.repeat(10);
    for (const sql of [
      `SELECT '${noise}', 'it''s ${noise}'`,
      `SELECT "${noise}" FROM files`,
      `SELECT $$${noise}$$, $q$ $$ ${noise} $q$`,
      `SELECT 1 -- ${noise}\n`,
      `SELECT 1 /* ${quiet} /* nested ${quiet} */ ${quiet} */`,
    ]) expect(nestingOverflowAt(sql, 10)).toBeNull();
  });

  it('cannot be made to skip code that PostgreSQL reads', () => {
    // A comment closes only at its own depth: the quote inside it opens no string.
    expect(nestingOverflowAt(`SELECT 1 /* /* */ ' */ ${deep(50)} --'`, 10)).not.toBeNull();
    // $ inside a word is part of the word, not a dollar quote.
    expect(nestingOverflowAt(`SELECT a$x$ + ${deep(50)} + b$x$`, 10)).not.toBeNull();
    // E'...' takes backslash escapes: with one in sight, everything counts.
    expect(nestingOverflowAt(`SELECT E'\\'' , ${deep(50)} --'`, 10)).not.toBeNull();
    expect(nestingOverflowAt(`SELECT e'a'\n'\\'' , ${deep(50)} --'`, 10)).not.toBeNull();
  });
});
