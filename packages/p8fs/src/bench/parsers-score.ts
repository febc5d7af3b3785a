// Text-quality measures for the parsers bench: our blocks against docling/markitdown ground truth.
// Pure functions; the corpus golden tests (parsers/corpus.test.ts) read the same files the same way.
import { basename } from 'node:path';
import type { ParsedDocument } from '../ports/parser.js';

/** Blocks as Markdown, headings with their # marks (as markitdown's strings expect). */
export const renderMarkdown = (doc: ParsedDocument): string =>
  doc.blocks.map((b) => (b.kind === 'heading' ? `${'#'.repeat(b.level)} ${b.text}` : b.text)).join('\n\n');

/**
 * Lower-cased words (runs of letters/digits) in reading order. Markup that is not text is dropped
 * first on both sides: HTML comments, link and image targets, list markers, line-end hyphenation.
 */
export function normalisedWords(markdown: string): string[] {
  const text = markdown
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/(\p{Ll})-[ \t]*\n\s*(\p{Ll})/gu, '$1$2')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/^\s*(?:\d+[.)]|[-*+])\s+/gm, '');
  return text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

export interface WordOverlap {
  /** share of the truth's distinct words that we produced */
  recall: number;
  /** share of our distinct words that are in the truth */
  precision: number;
  f1: number;
}

/** Bag-of-distinct-words overlap: insensitive to order and layout, sensitive to lost or invented text. */
export function wordOverlap(truth: readonly string[], ours: readonly string[]): WordOverlap {
  const t = new Set(truth);
  const o = new Set(ours);
  let common = 0;
  for (const w of o) if (t.has(w)) common++;
  const recall = t.size === 0 ? 1 : common / t.size;
  const precision = o.size === 0 ? (t.size === 0 ? 1 : 0) : common / o.size;
  const f1 = recall + precision === 0 ? 0 : (2 * recall * precision) / (recall + precision);
  return { recall, precision, f1 };
}

/** Longest word sequence compared; quadratic time, so a cap keeps one odd file from stalling the run. */
export const SEQUENCE_CAP = 20_000;

/**
 * 1 − (word-level Levenshtein distance) / (length of the longer sequence), in [0, 1]. Unlike the
 * word overlap it counts order and repetition: shuffled reading order, duplicated headers or
 * dropped table cells all cost. Sequences longer than SEQUENCE_CAP are cut to it.
 */
export function sequenceSimilarity(a: readonly string[], b: readonly string[]): { similarity: number; truncated: boolean } {
  const truncated = a.length > SEQUENCE_CAP || b.length > SEQUENCE_CAP;
  const ids = new Map<string, number>();
  const id = (w: string): number => {
    if (!ids.has(w)) ids.set(w, ids.size);
    return ids.get(w)!;
  };
  const toIds = (ws: readonly string[]) => Int32Array.from(ws.slice(0, SEQUENCE_CAP), id);
  const x = toIds(a);
  const y = toIds(b);
  const longest = Math.max(x.length, y.length);
  if (longest === 0) return { similarity: 1, truncated };
  // Two rolling rows of integer costs: memory is linear, and integer compares keep it fast.
  let prev = Int32Array.from({ length: y.length + 1 }, (_, j) => j);
  let cur = new Int32Array(y.length + 1);
  for (let i = 1; i <= x.length; i++) {
    cur[0] = i;
    const xi = x[i - 1];
    for (let j = 1; j <= y.length; j++) {
      const sub = prev[j - 1]! + (xi === y[j - 1] ? 0 : 1);
      cur[j] = Math.min(sub, prev[j]! + 1, cur[j - 1]! + 1);
    }
    [prev, cur] = [cur, prev];
  }
  return { similarity: 1 - prev[y.length]! / longest, truncated };
}

/** markitdown's expected-strings.json (the parts we read). */
export interface ExpectedStrings {
  GENERAL_TEST_VECTORS: { filename: string; must_include: string[]; must_not_include: string[] }[];
  misc_test_strings: Record<string, string[]>;
  pdf_receipt_sections: { file: string; must_include: string[] };
}

// markitdown's misc string lists, by the corpus file they were written for (tests/test_module_misc.py).
const MISC_STRINGS_FOR: Record<string, string> = {
  PDF_TEST_STRINGS: 'test.pdf',
  DOCX_COMMENT_TEST_STRINGS: 'test_with_comment.docx',
  BLOG_TEST_STRINGS: 'test_blog.html',
};

/** The must / must-not strings markitdown's tests hold for one corpus file. */
export function stringsFor(file: string, strings: ExpectedStrings): { include: string[]; exclude: string[] } {
  const name = basename(file);
  const include: string[] = [];
  const exclude: string[] = [];
  for (const v of strings.GENERAL_TEST_VECTORS.filter((v) => v.filename === name)) {
    include.push(...v.must_include);
    exclude.push(...v.must_not_include);
  }
  for (const [list, target] of Object.entries(MISC_STRINGS_FOR)) if (target === name) include.push(...(strings.misc_test_strings[list] ?? []));
  if (strings.pdf_receipt_sections.file === name) include.push(...strings.pdf_receipt_sections.must_include);
  return { include, exclude };
}

const strict = (text: string): string => text.replace(/\s+/g, ' ').trim();
// markitdown writes "* item" bullets and names pictures after the shape; we write "- item" and the
// media part's name. Both are relaxed (as in the ZIP+XML golden tests), the words are not.
const relax = (text: string): string =>
  text
    .replace(/^\s*[-*]\s+/gm, '- ')
    .replace(/(!\[[^\]]*\])\([^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();

export interface StringHits {
  hit: number;
  total: number;
  /** must-not-include strings that appeared anyway */
  forbidden_found: number;
  missing: string[];
}

/**
 * How many must-include strings our Markdown contains, read as the golden tests read them: with
 * whitespace collapsed (parsers/corpus.test.ts) or, failing that, also with bullets and image
 * targets relaxed (shared/corpus.fixture.ts). Must-not strings count under the strict reading.
 */
export function stringHits(markdown: string, want: { include: string[]; exclude: string[] }): StringHits {
  const [plain, relaxed] = [strict(markdown), relax(markdown)];
  const missing = want.include.filter((s) => !plain.includes(strict(s)) && !relaxed.includes(relax(s)));
  const forbidden = want.exclude.filter((s) => plain.includes(strict(s)));
  return { hit: want.include.length - missing.length, total: want.include.length, forbidden_found: forbidden.length, missing };
}
