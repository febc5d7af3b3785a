/**
 * How deeply a SQL statement could nest, bounded from its text before the real parser sees it.
 *
 * libpg-query's parser (WASM) recurses once per nesting level on the JavaScript stack, and
 * overflowing it is worse than a RangeError: the module's own stack pointer is left behind, and a few
 * dozen overflows later every parse hangs the process. Each nesting level needs at least one token
 * that opens it in code: an operator character, a bracket, or a keyword that chains (NOT, IS,
 * COLLATE, UNION, JOIN...). Counting those tokens bounds the depth.
 *
 * Literals and comments are skipped, so long IN lists of UUIDs are not counted, but only where this
 * scanner and PostgreSQL's cannot disagree about where code is: standard strings ('' doubles a
 * quote), quoted identifiers, dollar quotes and nested comments. An E'...' string (backslash escapes,
 * continued after a newline) is not followed: when one may be present, everything is counted.
 * Counting too much only refuses an odd query; counting too little could take the server down.
 */

const IDENT_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const NESTING_CHARS = new Set('-+*/%^<>=~!@#&|`?:(['.split(''));
const CHAINING_WORDS = new Set(['NOT', 'IS', 'ISNULL', 'NOTNULL', 'COLLATE', 'AT', 'BETWEEN', 'LIKE', 'ILIKE', 'SIMILAR', 'CASE', 'UNION', 'INTERSECT', 'EXCEPT', 'JOIN']);
// An E (or e) right before a quote, not inside a word: an escape string may start there.
const MAY_HAVE_E_STRING = /(?:^|[^A-Za-z0-9_$\u0080-\uffff])[eE]'/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z_0-9\u0080-\uffff]*)?\$/y;

/** The offset of the nesting token that goes over `max`, or null when the statement stays within it. */
export function nestingOverflowAt(sql: string, max: number): number | null {
  const skipLiterals = !MAY_HAVE_E_STRING.test(sql);
  let count = 0;
  let i = 0;
  while (i < sql.length) {
    if (skipLiterals) {
      const end = literalEnd(sql, i);
      if (end !== i) {
        i = end;
        continue;
      }
    }
    const ch = sql[i] as string;
    let counts = NESTING_CHARS.has(ch);
    let next = i + 1;
    if (IDENT_CHAR.test(ch)) {
      while (next < sql.length && IDENT_CHAR.test(sql[next] as string)) next++;
      counts = CHAINING_WORDS.has(sql.slice(i, next).toUpperCase());
    }
    if (counts && ++count > max) return i;
    i = next;
  }
  return null;
}

/** Where the literal or comment starting at i ends (exclusive), or i when none starts there. */
function literalEnd(sql: string, i: number): number {
  const ch = sql[i];
  if (ch === "'" || ch === '"') return quotedEnd(sql, i, ch);
  if (ch === '-' && sql[i + 1] === '-') {
    const eol = sql.slice(i).search(/[\r\n]/);
    return eol < 0 ? sql.length : i + eol;
  }
  if (ch === '/' && sql[i + 1] === '*') return commentEnd(sql, i);
  // $tag$ opens a dollar quote unless the $ continues a word (identifiers may contain $).
  if (ch === '$' && !(i > 0 && IDENT_CHAR.test(sql[i - 1] as string))) {
    DOLLAR_TAG.lastIndex = i;
    const tag = DOLLAR_TAG.exec(sql)?.[0];
    if (!tag) return i;
    const close = sql.indexOf(tag, i + tag.length);
    return close < 0 ? sql.length : close + tag.length;
  }
  return i;
}

// A doubled quote is a quote inside; an unterminated literal runs to the end (and fails to parse).
function quotedEnd(sql: string, i: number, quote: string): number {
  let j = i + 1;
  for (;;) {
    const k = sql.indexOf(quote, j);
    if (k < 0) return sql.length;
    if (sql[k + 1] !== quote) return k + 1;
    j = k + 2;
  }
}

// PostgreSQL's block comments nest.
function commentEnd(sql: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < sql.length) {
    if (sql.startsWith('/*', j)) {
      depth++;
      j += 2;
    } else if (sql.startsWith('*/', j)) {
      j += 2;
      if (--depth === 0) return j;
    } else {
      j++;
    }
  }
  return sql.length;
}
