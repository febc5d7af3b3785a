import { AppError } from '../../domain/errors.js';

// xmldom 0.8 repairs what it cannot parse: it closes unclosed elements and drops a cut-off tail
// with at most a warning, so a truncated download would pass as a shorter document. This scan
// checks the tag structure itself, so truncated or mangled XML fails as parser.corrupt instead.

// Comments, CDATA, processing instructions and the DOCTYPE (with its internal subset) are skipped
// whole; a start or end tag captures its slash, name and self-closing slash; a "<" that starts
// none of these is a cut-off tag or a stray "<", which XML does not allow in text.
const TOKEN = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE\b(?:[^[>]|\[[\s\S]*?\])*>|<(\/?)([^\s/>!?<]+)(?:[^<>"']|"[^"]*"|'[^']*')*?(\/?)>|</gi;

/** Deepest element nesting read; deeper documents are refused before a recursive walk could overflow. */
export const MAX_XML_DEPTH = 500;

/** Throw parser.corrupt unless the text has one root element and every tag is closed in order. */
export function checkWellFormed(text: string, name: string): void {
  const open: string[] = [];
  let rootSeen = false;
  for (const m of text.matchAll(TOKEN)) {
    const [token, slash, tag, selfClosing] = m;
    if (tag === undefined) {
      if (token === '<') throw corrupt(name, `a tag is cut off or a stray "<" appears at ${where(text, m.index)}`);
      continue;
    }
    if (slash === '/') {
      const expected = open.pop();
      if (expected !== tag) {
        const closes = expected === undefined ? 'no open element' : `<${expected}>`;
        throw corrupt(name, `</${tag}> at ${where(text, m.index)} closes ${closes}`);
      }
      continue;
    }
    if (rootSeen && open.length === 0) throw corrupt(name, `a second root element <${tag}> at ${where(text, m.index)}`);
    rootSeen = true;
    if (selfClosing === '/') continue;
    open.push(tag);
    if (open.length > MAX_XML_DEPTH) {
      throw new AppError('parser.failed', `${name} nests elements more than ${MAX_XML_DEPTH} deep; not read`, { name, maxDepth: MAX_XML_DEPTH });
    }
  }
  if (!rootSeen) throw corrupt(name, 'no root element');
  if (open.length > 0) throw corrupt(name, `<${open.at(-1)!}> is never closed: the file is truncated or damaged`);
}

function corrupt(name: string, reason: string): AppError {
  return new AppError('parser.corrupt', `${name} is not well-formed XML: ${reason}`, { name });
}

/** "line L, column C" of a string offset, for error messages. */
function where(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  return `line ${line}, column ${index - before.lastIndexOf('\n')}`;
}
