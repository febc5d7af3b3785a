import { remSyntaxError } from './errors.js';

/**
 * REM tokens. A word is any run of characters up to whitespace, a comma or a bracket, so bare labels
 * keep their punctuation ("O'Brien", "10:30", "https://x"); a quote opens a string only at the start
 * of a token, and a doubled quote inside a string is a literal quote (SQL style).
 */
export type Token =
  | { type: 'word'; text: string; start: number; end: number }
  | { type: 'string'; text: string; start: number; end: number }
  | { type: 'punct'; text: ',' | '[' | ']'; start: number; end: number }
  | { type: 'end'; text: ''; start: number; end: number };

const PUNCT = new Set([',', '[', ']']);
const QUOTES = new Set(['"', "'"]);

/** Split a REM query into tokens, ending with one `end` token. Unterminated strings are syntax errors. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const ch = query[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if (PUNCT.has(ch)) {
      tokens.push({ type: 'punct', text: ch as ',' | '[' | ']', start: i, end: i + 1 });
      i++;
    } else if (QUOTES.has(ch)) {
      const t = readString(query, i, ch);
      tokens.push(t);
      i = t.end;
    } else {
      const start = i;
      while (i < query.length && !/\s/.test(query[i] as string) && !PUNCT.has(query[i] as string)) {
        // `table:"quoted label"`: the prefix is a word of its own, the label a string.
        if (query[i] === ':' && QUOTES.has(query[i + 1] as string)) {
          i++;
          break;
        }
        i++;
      }
      tokens.push({ type: 'word', text: query.slice(start, i), start, end: i });
    }
  }
  tokens.push({ type: 'end', text: '', start: query.length, end: query.length });
  return tokens;
}

function readString(query: string, start: number, quote: string): Token {
  let text = '';
  let i = start + 1;
  for (;;) {
    if (i >= query.length) {
      throw remSyntaxError(query, start, [`closing ${quote}`], 'end of query', `unterminated string starting at position ${start}`);
    }
    const ch = query[i] as string;
    if (ch === quote) {
      if (query[i + 1] === quote) {
        text += quote;
        i += 2;
        continue;
      }
      return { type: 'string', text, start, end: i + 1 };
    }
    text += ch;
    i++;
  }
}
