/** A 1-based place in a text. */
export interface TextPosition {
  line: number;
  column: number;
}

// Node 20's JSON.parse names the offending token but not where it is, so a failed parse is
// re-scanned here to point the user at the line to fix.
class SyntaxAt {
  constructor(readonly offset: number) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

/** Where the first JSON syntax error in text is, or null when the text is valid JSON. */
export function jsonErrorPosition(text: string): TextPosition | null {
  try {
    scanDocument(text);
    return null;
  } catch (err) {
    // Nesting deep enough to exhaust the stack has no useful position to report.
    if (!(err instanceof SyntaxAt)) return null;
    return positionAt(text, err.offset);
  }
}

/** The 1-based line and column of a UTF-16 offset. */
export function positionAt(text: string, offset: number): TextPosition {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function scanDocument(s: string): void {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const skipSpace = (): void => {
    while (i < s.length && (s[i] === ' ' || s[i] === '\t' || s[i] === '\n' || s[i] === '\r')) i++;
  };
  const string = (): void => {
    i++;
    for (;;) {
      if (i >= s.length) fail();
      const ch = s[i]!;
      if (ch === '"') {
        i++;
        return;
      }
      if (ch === '\\') {
        const next = s[i + 1] ?? '';
        if ('"\\/bfnrt'.includes(next) && next !== '') i += 2;
        else if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) i += 6;
        else fail();
      } else if (ch.charCodeAt(0) < 0x20) fail();
      else i++;
    }
  };
  const members = (close: string, member: () => void): void => {
    i++;
    skipSpace();
    if (s[i] === close) {
      i++;
      return;
    }
    for (;;) {
      member();
      skipSpace();
      if (s[i] === ',') i++;
      else if (s[i] === close) {
        i++;
        return;
      } else fail();
    }
  };
  const value = (): void => {
    skipSpace();
    const c = s[i];
    if (c === '{') {
      members('}', () => {
        skipSpace();
        if (s[i] !== '"') fail();
        string();
        skipSpace();
        if (s[i] !== ':') fail();
        i++;
        value();
      });
    } else if (c === '[') members(']', value);
    else if (c === '"') string();
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(s);
      if (m === null) fail();
      else i += m[0].length;
    } else {
      const lit = LITERALS.find((l) => s.startsWith(l, i));
      if (lit === undefined) fail();
      else i += lit.length;
    }
  };
  value();
  skipSpace();
  if (i < s.length) fail();
}
