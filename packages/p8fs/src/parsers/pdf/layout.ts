import type { Block } from '../../ports/parser.js';

// Rebuild lines, paragraphs and headings from positioned PDF text items. A PDF has no paragraph
// markup, only glyph runs with coordinates, so structure is inferred from geometry: a vertical gap
// wider than the usual line step ends a paragraph, and a line set clearly larger than the body
// text is a heading. Conservative on purpose: a missed heading only costs a chunk boundary.

/** The fields of unpdf's StructuredTextItem that layout needs (PDF space, origin bottom-left). */
export interface TextItem {
  str: string;
  x: number;
  y: number;
  width: number;
  fontSize: number;
  hasEOL: boolean;
}

/** A reconstructed text line: its text, baseline, largest font size and horizontal extent. */
export interface Line {
  text: string;
  y: number;
  size: number;
  left: number;
  right: number;
}

// Private-use and control code points are glyphs with no Unicode meaning (Wingdings boxes, icon
// fonts, symbol fonts mapped onto C1 controls). Whitespace controls stay: they separate words.
const NO_MEANING = /\p{Co}|(?![\t\n\r])\p{Cc}/gu;
const HEADING_RATIO = 1.15;
const PARAGRAPH_GAP_RATIO = 1.3;
const MAX_HEADING_CHARS = 200;

/** Group a page's text items into lines, in content-stream order. */
export function toLines(items: TextItem[]): Line[] {
  const lines: Line[] = [];
  let current: Draft | null = null;
  for (const item of items) {
    const str = item.str.replace(NO_MEANING, '');
    if (str.trim() !== '') {
      const size = item.fontSize > 0 ? item.fontSize : 10;
      if (current !== null && sameLine(current, item, size)) {
        // Glyph runs separated by a visible gap but no space character (table columns, kerning
        // breaks). Right-to-left runs continue to the left of the line, so measure on that side.
        const gap = item.x >= current.right - 1 ? item.x - current.right : current.left - (item.x + item.width);
        const spaced = /\s$/.test(current.text) || /^\s/.test(str);
        current.text += !spaced && gap > size * 0.2 ? ` ${str}` : str;
        current.right = Math.max(current.right, item.x + item.width);
        current.left = Math.min(current.left, item.x);
      } else {
        if (current !== null) lines.push(finish(current));
        current = { text: str, y: item.y, size, left: item.x, right: item.x + item.width, sizes: new Map() };
      }
      current.sizes.set(size, (current.sizes.get(size) ?? 0) + str.length);
    } else if (str !== '' && current !== null) {
      current.text += ' ';
    }
    if (item.hasEOL && current !== null) {
      lines.push(finish(current));
      current = null;
    }
  }
  if (current !== null) lines.push(finish(current));
  return lines.filter((l) => l.text !== '');
}

interface Draft extends Line {
  /** characters per font size, so a line's size is that of most of its text, not of one big glyph */
  sizes: Map<number, number>;
}

function finish(draft: Draft): Line {
  let size = draft.size;
  let most = -1;
  for (const [s, n] of draft.sizes) if (n > most || (n === most && s > size)) [size, most] = [s, n];
  return { text: draft.text.replace(/\s+/g, ' ').trim(), y: draft.y, size, left: draft.left, right: draft.right };
}

function sameLine(line: Line, item: TextItem, size: number): boolean {
  const dy = Math.abs(item.y - line.y);
  // line.size is the first run's size until the line is finished; good enough for a baseline test.
  // Superscripts and subscripts sit off the baseline but continue to the right of the line.
  return dy < 0.5 * Math.max(size, line.size) || (dy < Math.max(size, line.size) && item.x >= line.right - 1);
}

/** The most common font size by amount of text: the body text size of a document. */
export function bodySize(pages: Line[][]): number {
  const weight = new Map<number, number>();
  for (const line of pages.flat()) {
    const key = Math.round(line.size * 2) / 2;
    weight.set(key, (weight.get(key) ?? 0) + line.text.length);
  }
  let best = 10;
  let bestWeight = -1;
  for (const [size, w] of [...weight.entries()].sort((a, b) => a[0] - b[0])) {
    if (w > bestWeight) [best, bestWeight] = [size, w];
  }
  return best;
}

/** Turn a page's lines into paragraph and heading blocks tagged with the page number. */
export function linesToBlocks(lines: Line[], page: number, body: number, headingLevels: number[]): Block[] {
  const blocks: Block[] = [];
  const step = typicalStep(lines);
  let group: Line[] = [];
  const emit = (): void => {
    if (group.length > 0) blocks.push(toBlock(group, page, body, headingLevels));
    group = [];
  };
  for (const line of lines) {
    const prev = group[group.length - 1];
    if (prev !== undefined && paragraphBreak(prev, line, step, body)) emit();
    group.push(line);
  }
  emit();
  return blocks;
}

/** Distinct heading sizes of the document, largest first: index + 1 is the heading level. */
export function headingSizes(pages: Line[][], body: number): number[] {
  const sizes = new Set<number>();
  for (const line of pages.flat()) if (isHeadingSize(line.size, body)) sizes.add(Math.round(line.size * 2) / 2);
  return [...sizes].sort((a, b) => b - a);
}

const isHeadingSize = (size: number, body: number): boolean => size >= body * HEADING_RATIO;

function paragraphBreak(prev: Line, line: Line, step: number, body: number): boolean {
  const dy = prev.y - line.y;
  if (dy <= 0) return true; // moved up: next column or a new region
  if (isHeadingSize(prev.size, body) !== isHeadingSize(line.size, body)) return true;
  return dy > Math.max(step, Math.max(prev.size, line.size) * 1.1) * PARAGRAPH_GAP_RATIO;
}

/** The most frequent distance between consecutive baselines (ties: the smaller): the page's line step. */
function typicalStep(lines: Line[]): number {
  const counts = new Map<number, number>();
  for (let i = 1; i < lines.length; i++) {
    const dy = Math.round((lines[i - 1]!.y - lines[i]!.y) * 2) / 2;
    if (dy > 0) counts.set(dy, (counts.get(dy) ?? 0) + 1);
  }
  let step = 12;
  let best = 0;
  for (const [dy, n] of [...counts.entries()].sort((a, b) => a[0] - b[0])) if (n > best) [step, best] = [dy, n];
  return step;
}

function toBlock(group: Line[], page: number, body: number, headingLevels: number[]): Block {
  const text = joinLines(group);
  const size = Math.max(...group.map((l) => l.size));
  if (isHeadingSize(size, body) && group.length <= 3 && text.length <= MAX_HEADING_CHARS && /\p{L}/u.test(text)) {
    const level = Math.min(headingLevels.indexOf(Math.round(size * 2) / 2) + 1 || 1, 4);
    return { kind: 'heading', level, text: text.replace(/\n/g, ' '), page };
  }
  return { kind: 'paragraph', text, page };
}

/**
 * Join a paragraph's lines: a line that runs (nearly) to the paragraph's right edge wrapped, so it
 * joins with a space (dropping a hyphen split inside a word); a short line ended on purpose
 * (addresses, receipts, list items) keeps its line break.
 */
function joinLines(group: Line[]): string {
  const right = Math.max(...group.map((l) => l.right));
  const left = Math.min(...group.map((l) => l.left));
  const width = Math.max(1, right - left);
  let text = group[0]!.text;
  for (let i = 1; i < group.length; i++) {
    const prev = group[i - 1]!;
    const next = group[i]!.text;
    const wrapped = right - prev.right < width * 0.15;
    if (wrapped && /\p{Ll}-$/u.test(text) && /^\p{Ll}/u.test(next)) text = text.slice(0, -1) + next;
    else text += (wrapped ? ' ' : '\n') + next;
  }
  return text;
}
