import type { Block } from './document.js';

// A small line-based Markdown block reader (CommonMark/GFM block structure only; inline markup
// is left as written). Chunking needs block boundaries, not an AST, so a full parser would only
// add weight. Block text keeps its Markdown source (list markers, fences, table pipes) so chunks
// read as Markdown; headings keep only their text because chunks re-render them.

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const THEMATIC_BREAK = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)/;
// Only bullets and lists starting at 1 may interrupt a paragraph (CommonMark), so "2024. was" does not.
const LIST_INTERRUPT = /^ {0,3}(?:[-*+]|1[.)])[ \t]+\S/;
const QUOTE = /^ {0,3}>/;
const INDENTED = /^(?: {4}|\t)/;
const TABLE_DELIMITER = /^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$/;
const SETEXT_H1 = /^ {0,3}=+[ \t]*$/;
const SETEXT_H2 = /^ {0,3}-+[ \t]*$/;

type Reader = (lines: string[], start: number, out: Block[]) => number;

const isBlank = (line: string | undefined): boolean => line === undefined || line.trim() === '';

/** Split Markdown text into structural blocks: headings, paragraphs, lists, code, tables, quotes. */
export function markdownToBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    if (isBlank(lines[i])) {
      i++;
      continue;
    }
    i = readerFor(lines, i)(lines, i, out);
  }
  return out;
}

function readerFor(lines: string[], i: number): Reader {
  const line = lines[i] ?? '';
  if (FENCE_OPEN.test(line) && isFenceOpen(line)) return readFence;
  if (ATX_HEADING.test(line)) return readAtxHeading;
  if (THEMATIC_BREAK.test(line)) return (_l, start) => start + 1;
  if (isTableStart(lines, i)) return readTable;
  if (QUOTE.test(line)) return readQuote;
  if (LIST_ITEM.test(line)) return readList;
  if (INDENTED.test(line)) return readIndentedCode;
  return readParagraph;
}

function isFenceOpen(line: string): boolean {
  const m = FENCE_OPEN.exec(line);
  // A backtick fence's info string may not contain backticks, else it is inline code.
  return m !== null && !(m[1]!.startsWith('`') && m[2]!.includes('`'));
}

/** True when a line would start a new block and so ends a paragraph or a lazy continuation. */
function interrupts(lines: string[], i: number): boolean {
  const line = lines[i] ?? '';
  return (
    (FENCE_OPEN.test(line) && isFenceOpen(line)) ||
    ATX_HEADING.test(line) ||
    THEMATIC_BREAK.test(line) ||
    QUOTE.test(line) ||
    LIST_INTERRUPT.test(line) ||
    isTableStart(lines, i)
  );
}

function isTableStart(lines: string[], i: number): boolean {
  const head = lines[i] ?? '';
  const delimiter = lines[i + 1] ?? '';
  return head.includes('|') && delimiter.includes('|') && TABLE_DELIMITER.test(delimiter);
}

const readFence: Reader = (lines, start, out) => {
  const open = FENCE_OPEN.exec(lines[start] ?? '')!;
  const marker = open[1]!;
  const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
  let i = start + 1;
  while (i < lines.length && !close.test(lines[i]!)) i++;
  // An unclosed fence runs to the end of the document (CommonMark); the text stays whole either way.
  const end = Math.min(i, lines.length - 1);
  out.push({ kind: 'code', text: lines.slice(start, end + 1).join('\n').trimEnd() });
  return end + 1;
};

const readAtxHeading: Reader = (lines, start, out) => {
  const m = ATX_HEADING.exec(lines[start] ?? '')!;
  const text = headingText(m[2] ?? '');
  if (text !== '') out.push({ kind: 'heading', level: m[1]!.length, text });
  return start + 1;
};

const readTable: Reader = (lines, start, out) => {
  let i = start + 2;
  while (i < lines.length && !isBlank(lines[i]) && lines[i]!.includes('|')) i++;
  out.push({ kind: 'table', text: trimLines(lines.slice(start, i)) });
  return i;
};

const readQuote: Reader = (lines, start, out) => {
  let i = start + 1;
  while (i < lines.length && !isBlank(lines[i]) && (QUOTE.test(lines[i]!) || !interrupts(lines, i))) i++;
  out.push({ kind: 'quote', text: trimLines(lines.slice(start, i)) });
  return i;
};

const readList: Reader = (lines, start, out) => {
  let i = start + 1;
  while (i < lines.length) {
    const line = lines[i]!;
    if (isBlank(line)) {
      const next = nextNonBlank(lines, i);
      // A blank line keeps the list open only when an item or an indented continuation follows.
      if (next === -1 || !(LIST_ITEM.test(lines[next]!) || /^\s{2,}\S/.test(lines[next]!))) break;
      i = next;
      continue;
    }
    if (LIST_ITEM.test(line) || /^\s/.test(line) || !interrupts(lines, i)) {
      i++;
      continue;
    }
    break;
  }
  out.push({ kind: 'list', text: trimLines(lines.slice(start, i)) });
  return i;
};

const readIndentedCode: Reader = (lines, start, out) => {
  let i = start + 1;
  while (i < lines.length) {
    if (INDENTED.test(lines[i]!)) i++;
    else if (isBlank(lines[i])) {
      const next = nextNonBlank(lines, i);
      if (next === -1 || !INDENTED.test(lines[next]!)) break;
      i = next;
    } else break;
  }
  out.push({ kind: 'code', text: trimLines(lines.slice(start, i)) });
  return i;
};

const readParagraph: Reader = (lines, start, out) => {
  let i = start + 1;
  while (i < lines.length && !isBlank(lines[i])) {
    const line = lines[i]!;
    // A setext underline turns the paragraph so far into a heading.
    if (SETEXT_H1.test(line) || SETEXT_H2.test(line)) {
      const text = headingText(lines.slice(start, i).join(' '));
      if (text !== '') out.push({ kind: 'heading', level: SETEXT_H1.test(line) ? 1 : 2, text });
      return i + 1;
    }
    if (interrupts(lines, i)) break;
    i++;
  }
  out.push({ kind: 'paragraph', text: lines.slice(start, i).map((l) => l.trim()).join('\n') });
  return i;
};

/** Heading text without zero-width characters (site generators put them in anchor links). */
function headingText(raw: string): string {
  return raw.replace(/[\u200B-\u200D\u2060\uFEFF]/g, '').replace(/\s+/g, ' ').trim();
}

function nextNonBlank(lines: string[], from: number): number {
  for (let i = from; i < lines.length; i++) if (!isBlank(lines[i])) return i;
  return -1;
}

/** Drop trailing spaces and blank edges, keep the inner indentation that gives lists and code their shape. */
function trimLines(lines: string[]): string {
  return lines
    .map((l) => l.trimEnd())
    .join('\n')
    .replace(/^\n+|\n+$/g, '');
}
