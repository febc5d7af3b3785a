import type { AppError } from '../errors.js';
import { remError, remSyntaxError } from './errors.js';
import { type Token, tokenize } from './lexer.js';

/** A position in the token list with the helpers a recursive-descent parser needs. */
export class Cursor {
  private readonly tokens: Token[];
  private i = 0;

  constructor(readonly query: string) {
    this.tokens = tokenize(query);
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.i + ahead, this.tokens.length - 1)] as Token;
  }

  next(): Token {
    const t = this.peek();
    if (t.type !== 'end') this.i++;
    return t;
  }

  /** True when the next token is one of these keywords (case-insensitive). */
  atKeyword(...keywords: readonly string[]): boolean {
    const t = this.peek();
    return t.type === 'word' && keywords.includes(t.text.toUpperCase());
  }

  atPunct(p: ',' | '[' | ']'): boolean {
    const t = this.peek();
    return t.type === 'punct' && t.text === p;
  }

  /** Consume a keyword or fail saying it was expected. */
  expectKeyword(keyword: string, also: readonly string[] = []): Token {
    if (!this.atKeyword(keyword)) throw this.fail([...also, keyword]);
    return this.next();
  }

  expectPunct(p: ',' | '[' | ']', also: readonly string[] = []): Token {
    if (!this.atPunct(p)) throw this.fail([...also, `"${p}"`]);
    return this.next();
  }

  expectEnd(expected: readonly string[] = []): void {
    if (this.peek().type !== 'end') throw this.fail([...expected, 'end of query']);
  }

  /** A syntax error at the next token. */
  fail(expected: readonly string[], hint?: string, at: Token = this.peek()): AppError {
    return remSyntaxError(this.query, at.start, [...expected], found(at), hint);
  }

  /** A `rem.limit` error at a token: the value parsed but is out of bounds. */
  outOfBounds(at: Token, range: string, headline: string): AppError {
    return remError('rem.limit', this.query, { position: at.start, expected: [range], found: found(at) }, headline);
  }

  /** A whole number (LIMIT, DEPTH) within [min, max]; the bound is a `rem.limit` error. */
  integer(clause: string, min: number, max: number): number {
    const t = this.peek();
    if (t.type !== 'word' || !/^\d+$/.test(t.text)) throw this.fail([`a whole number after ${clause}`]);
    this.next();
    const n = Number(t.text);
    if (n < min || n > max) throw this.outOfBounds(t, `${min}..${max}`, `${clause} must be between ${min} and ${max}, got ${t.text}`);
    return n;
  }

  /** A number in [0, 1] (THRESHOLD). */
  fraction(clause: string): number {
    const t = this.peek();
    if (t.type !== 'word' || !/^(\d+(\.\d*)?|\.\d+)$/.test(t.text)) throw this.fail([`a number between 0 and 1 after ${clause}`]);
    this.next();
    const n = Number(t.text);
    if (n > 1) throw this.outOfBounds(t, '0..1', `${clause} must be between 0 and 1, got ${t.text}`);
    return n;
  }

  /**
   * Text that is either one quoted string or bare words up to a stop keyword or the end (commas too
   * unless `commas`). Bare text keeps the query's own spacing; `from` starts it inside the first word.
   */
  text(what: string, stop: readonly string[], opts: { commas?: boolean; from?: number } = {}): string {
    const t = this.peek();
    if (t.type === 'string' && opts.from === undefined) {
      this.next();
      if (t.text.trim() === '') throw this.fail([what], 'the quoted text is empty', t);
      return t.text;
    }
    let last: Token | null = null;
    while ((this.peek().type === 'word' && !this.atKeyword(...stop)) || (opts.commas && this.atPunct(','))) last = this.next();
    if (!last) throw this.fail([what], stop.length && this.atKeyword(...stop) ? 'quote text that starts with a keyword' : undefined);
    return this.query.slice(opts.from ?? t.start, last.end);
  }
}

function found(t: Token): string {
  return t.type === 'end' ? 'end of query' : t.text;
}
