import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import type { Parser } from '../../ports/parser.js';
import { CORPUS, type ExpectedVector, type ManifestEntry, render } from '../shared/corpus.fixture.js';
import { docParser } from './doc-parser.js';
import { pptParser } from './ppt-parser.js';
import { xlsParser } from './xls-parser.js';

// Golden tests on the shared docs-corpus for the legacy Office formats: markitdown's must/must-not
// strings and word recall against docling's ground-truth Markdown. corpusGoldenTests is not used
// because these parsers need a ParseContext (xls2csv runs through ctx.tools).

const PARSERS: Record<string, Parser> = { doc: docParser, ppt: pptParser, xls: xlsParser };
/** Share of the ground truth's distinct words our text must contain. */
const RECALL_FLOOR = 0.9;
/** The manifest pairs every markitdown test.* file with expected/test.md, which is test.pdf's output. */
const NOT_ITS_GROUND_TRUTH = new Set(['markitdown/sources/test.xls']);

const manifestPath = resolve(CORPUS, 'manifest.json');
const entries = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as ManifestEntry[]).filter((e) => e.format in PARSERS) : [];

const normalise = (text: string): string => text.replace(/\s+/g, ' ').trim();
const words = (markdown: string): Set<string> => new Set(markdown.replace(/<!--[\s\S]*?-->/g, ' ').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []);

describe('docs-corpus golden tests: legacy Office', () => {
  it('finds the corpus and a file of every legacy format', () => {
    expect(existsSync(manifestPath), `corpus missing at ${CORPUS}`).toBe(true);
    expect(new Set(entries.map((e) => e.format))).toEqual(new Set(Object.keys(PARSERS)));
  });

  it.each(entries.map((e) => [e.file, e] as const))('%s', async (_file, entry) => {
    const parser = PARSERS[entry.format]!;
    const doc = await parser.parse({ bytes: readFileSync(resolve(CORPUS, entry.file)), name: basename(entry.file), mimeType: parser.mediaTypes[0]! }, testParseContext());
    const text = render(doc);
    if (entry.expected_strings !== null) {
      const vectors = (JSON.parse(readFileSync(resolve(CORPUS, entry.expected_strings), 'utf8')) as { GENERAL_TEST_VECTORS: ExpectedVector[] }).GENERAL_TEST_VECTORS;
      const mine = vectors.filter((v) => v.filename === basename(entry.file));
      expect(mine.length).toBeGreaterThan(0);
      for (const s of mine.flatMap((v) => v.must_include)) expect(normalise(text), `must include: ${s}`).toContain(normalise(s));
      for (const s of mine.flatMap((v) => v.must_not_include)) expect(normalise(text), `must not include: ${s}`).not.toContain(normalise(s));
    }
    if (entry.expected_markdown !== null && !NOT_ITS_GROUND_TRUTH.has(entry.file)) {
      const truth = words(readFileSync(resolve(CORPUS, entry.expected_markdown), 'utf8'));
      const ours = words(text);
      const missing = [...truth].filter((w) => !ours.has(w));
      const recall = 1 - missing.length / truth.size;
      console.info(`${entry.file}: word recall ${recall.toFixed(3)} (${truth.size - missing.length}/${truth.size})${missing.length ? `; missing: ${missing.join(' ')}` : ''}`);
      expect(recall, `word recall vs ${entry.expected_markdown}; missing: ${missing.join(' ')}`).toBeGreaterThanOrEqual(RECALL_FLOOR);
    }
  });
});
