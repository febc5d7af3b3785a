import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ParsedDocument } from '../../ports/parser.js';
import { createParserRegistry } from '../index.js';
import { csvParser } from './csv-parser.js';
import { xlsxParser } from './xlsx-parser.js';
import type { ExpectedVector, ManifestEntry } from '../shared/corpus.fixture.js';

// Golden tests on the shared yardstick corpus (docs-corpus/README.md) for the spreadsheet formats:
// markitdown's must/must-not strings, and word recall against docling's ground-truth Markdown.

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const CORPUS = resolve(REPO_ROOT, '../shared/yardsticks/docs-corpus');
const FORMATS = new Set(['xlsx', 'xlsm', 'csv']);
/** Share of the ground truth's distinct words our text must contain (layout differs, words should not). */
const RECALL_FLOOR = 0.9;
/** Known, explained shortfalls against docling's ground truth. */
const RECALL_GAPS: Record<string, { floor: number; why: string }> = {
  'docling/sources/xlsx_01.xlsx': {
    floor: 0.85,
    why: 'docling describes the embedded charts ("Line chart", "Scatter chart", "... by col-1"); exceljs does not read charts, and chart type names are not cell content',
  },
};
/** The manifest pairs every markitdown test.* file with expected/test.md, which README says is test.pdf's output. */
const NOT_ITS_GROUND_TRUTH = new Set(['markitdown/sources/test.xlsx']);


// Only these two parsers, so a pass cannot come from another format's parser claiming the file.
const registry = createParserRegistry([xlsxParser, csvParser]);
const hasCorpus = existsSync(resolve(CORPUS, 'manifest.json'));
const entries = hasCorpus
  ? (JSON.parse(readFileSync(resolve(CORPUS, 'manifest.json'), 'utf8')) as ManifestEntry[]).filter((e) => FORMATS.has(e.format))
  : [];

async function parseFile(entry: ManifestEntry): Promise<ParsedDocument> {
  const bytes = readFileSync(resolve(CORPUS, entry.file));
  const name = basename(entry.file);
  const { parser, mimeType } = await registry.resolve({ name, bytes });
  return parser.parse({ bytes, name, mimeType });
}

const render = (doc: ParsedDocument): string => doc.blocks.map((b) => (b.kind === 'heading' ? `${'#'.repeat(b.level)} ${b.text}` : b.text)).join('\n\n');
const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();

/** Distinct lower-cased words, ignoring HTML comments (docling's image markers). */
function words(markdown: string): Set<string> {
  return new Set(markdown.replace(/<!--[\s\S]*?-->/g, ' ').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);
}

function vectorsFor(entry: ManifestEntry): ExpectedVector[] {
  if (entry.expected_strings === null) return [];
  const all = JSON.parse(readFileSync(resolve(CORPUS, entry.expected_strings), 'utf8')) as { GENERAL_TEST_VECTORS: ExpectedVector[] };
  return all.GENERAL_TEST_VECTORS.filter((v) => v.filename === basename(entry.file));
}

describe('docs-corpus golden tests: spreadsheets', () => {
  it('finds the corpus and its spreadsheet files', () => {
    expect(hasCorpus, `corpus missing at ${CORPUS}`).toBe(true);
    expect(entries.map((e) => e.format).sort()).toEqual(expect.arrayContaining(['csv', 'xlsm', 'xlsx']));
  });

  it.each(entries.map((e) => [e.file, e] as const))('%s', async (_file, entry) => {
    const text = render(await parseFile(entry));
    const vectors = vectorsFor(entry);
    for (const s of vectors.flatMap((v) => v.must_include)) expect(normalise(text), `must include: ${s}`).toContain(normalise(s));
    for (const s of vectors.flatMap((v) => v.must_not_include)) expect(normalise(text), `must not include: ${s}`).not.toContain(normalise(s));
    if (entry.expected_markdown !== null && !NOT_ITS_GROUND_TRUTH.has(entry.file)) {
      const truth = words(readFileSync(resolve(CORPUS, entry.expected_markdown), 'utf8'));
      const ours = words(text);
      const missing = [...truth].filter((w) => !ours.has(w));
      expect(1 - missing.length / truth.size, `word recall vs ${entry.expected_markdown}; missing: ${missing.join(' ')}`).toBeGreaterThanOrEqual(RECALL_GAPS[entry.file]?.floor ?? RECALL_FLOOR);
    }
  });
});
