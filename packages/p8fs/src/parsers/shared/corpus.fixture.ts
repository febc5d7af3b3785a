import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import type { Parser, ParsedDocument } from '../../ports/parser.js';

// Golden checks on the shared docs-corpus for the ZIP+XML parsers (P2 §2): markitdown's
// must/must-not strings and word recall against docling's ground-truth Markdown.

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
/** The yardstick corpus next to the repository checkout. */
export const CORPUS = resolve(REPO_ROOT, '../shared/yardsticks/docs-corpus');

/** One row of docs-corpus/manifest.json. */
export interface ManifestEntry {
  file: string;
  format: string;
  expected_markdown: string | null;
  expected_strings: string | null;
}
/** One of markitdown's expected-strings vectors. */
export interface ExpectedVector {
  filename: string;
  must_include: string[];
  must_not_include: string[];
}

/** Default share of the ground truth's distinct words our text must contain. */
const RECALL_FLOOR = 0.9;
// The manifest pairs every markitdown test.* file with expected/test.md, which is test.pdf's output.
const NOT_ITS_GROUND_TRUTH = new Set(['markitdown/sources/test.pptx', 'markitdown/sources/test.epub']);

/** Parse a corpus file with one parser. */
export function parseCorpusFile(parser: Parser, file: string): Promise<ParsedDocument> {
  return parser.parse({ bytes: readFileSync(resolve(CORPUS, file)), name: basename(file), mimeType: parser.mediaTypes[0]! }, testParseContext());
}

/** Blocks as Markdown-ish text, headings with # marks. */
export const render = (doc: ParsedDocument): string =>
  doc.blocks.map((b) => (b.kind === 'heading' ? `${'#'.repeat(b.level)} ${b.text}` : b.text)).join('\n\n');

// markitdown writes "* item" bullets and names pictures after the shape ("Picture4.jpg"); we write
// "- item" and the media part's name. Both are relaxed, the words are not.
export const normalise = (text: string): string =>
  text
    .replace(/^\s*[-*]\s+/gm, '- ')
    .replace(/(!\[[^\]]*\])\((?!data:)[^)]*\)/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();

function words(markdown: string): Set<string> {
  const text = markdown.replace(/<!--[\s\S]*?-->/g, ' ').replace(/\]\([^)]*\)/g, ']');
  return new Set(text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

/** Register one golden test per corpus file of the given formats. */
export function corpusGoldenTests(parsers: Record<string, Parser>, recallGaps: Record<string, { floor: number; why: string }> = {}): void {
  const manifestPath = resolve(CORPUS, 'manifest.json');
  it('finds the corpus next to the repository', () => expect(existsSync(manifestPath), `corpus missing at ${CORPUS}`).toBe(true));
  const entries = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestEntry[]).filter((e) => e.format in parsers) : [];
  it('has corpus files for every format', () => expect(new Set(entries.map((e) => e.format))).toEqual(new Set(Object.keys(parsers))));
  it.each(entries.map((e) => [e.file, e] as const))('%s', async (_f, entry) => {
    const doc = await parseCorpusFile(parsers[entry.format]!, entry.file);
    const text = render(doc);
    expect(doc.blocks.length).toBeGreaterThan(0);
    if (entry.expected_strings !== null) {
      const vectors = (JSON.parse(readFileSync(resolve(CORPUS, entry.expected_strings), 'utf8')) as { GENERAL_TEST_VECTORS: ExpectedVector[] }).GENERAL_TEST_VECTORS;
      const mine = vectors.filter((v) => v.filename === basename(entry.file));
      expect(mine.length).toBeGreaterThan(0);
      for (const v of mine) {
        for (const s of v.must_include) expect(normalise(text), `must include: ${s}`).toContain(normalise(s));
        for (const s of v.must_not_include) expect(normalise(text), `must not include: ${s}`).not.toContain(normalise(s));
      }
    }
    if (entry.expected_markdown !== null && !NOT_ITS_GROUND_TRUTH.has(entry.file)) {
      const truth = words(readFileSync(resolve(CORPUS, entry.expected_markdown), 'utf8'));
      const ours = words(text);
      const missing = [...truth].filter((w) => !ours.has(w));
      const floor = recallGaps[entry.file]?.floor ?? RECALL_FLOOR;
      expect(1 - missing.length / truth.size, `recall vs ${entry.expected_markdown}; missing: ${missing.slice(0, 30).join(' ')}`).toBeGreaterThanOrEqual(floor);
    }
  });
}
