// `--only parsers`: every file of the shared docs-corpus through the product's parser registry, one
// child process per format (so peak RSS is that format's own), plus the speech yardstick
// (parsers-audio.ts). Measures text quality against the corpus's expected outputs and parse speed.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { peakRssMb, progress, REPO_ROOT } from './common.js';
import { collectGarbage, createBenchRunner, heapMb, type ParseFailure, timedParse } from './parsers-parse.js';
import { type ExpectedStrings, normalisedWords, renderMarkdown, sequenceSimilarity, type StringHits, stringHits, stringsFor, wordOverlap } from './parsers-score.js';
import type { ParsedDocument, ParseRunner } from '../ports/parser.js';

export const CORPUS = join(REPO_ROOT, '..', 'shared', 'yardsticks', 'docs-corpus');

interface ManifestEntry {
  file: string;
  format: string;
  bytes: number;
  expected_markdown: string | null;
  expected_strings: string | null;
}

/** Formats whose speed is reported as text MB/s (input bytes over parse time). */
const TEXT_FORMATS = new Set(['md', 'csv', 'html', 'htm', 'json', 'txt', 'xml', 'ipynb']);
/** Timed parses per file after the warm-up; the median is reported. */
const RUNS = 3;

const manifest = (): ManifestEntry[] => JSON.parse(readFileSync(join(CORPUS, 'manifest.json'), 'utf8')) as ManifestEntry[];

/** The corpus formats, in manifest order: one bench job each. */
export const corpusFormats = (): string[] => [...new Set(manifest().map((e) => e.format))];

/**
 * The ground truth to compare a file with, or null. The manifest pairs every markitdown test.* file
 * with expected/test.md, but the corpus README says that is test.pdf's output only.
 */
function groundTruth(e: ManifestEntry): string | null {
  if (e.expected_markdown === null) return null;
  if (e.expected_markdown === 'markitdown/expected/test.md' && basename(e.file) !== 'test.pdf') return null;
  return readFileSync(join(CORPUS, e.expected_markdown), 'utf8');
}

export interface FileResult {
  file: string;
  bytes: number;
  parser?: string;
  error?: ParseFailure;
  ms?: number;
  runs_ms?: number[];
  pages?: number;
  /** pages without a text layer that went through OCR */
  ocr_pages?: number;
  blocks?: number;
  words?: number;
  truth_words?: number;
  recall?: number;
  precision?: number;
  f1?: number;
  sequence_similarity?: number;
  sequence_truncated?: boolean;
  strings?: StringHits;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const mean = (xs: number[]): number | null => (xs.length === 0 ? null : r3(xs.reduce((a, b) => a + b, 0) / xs.length));

/** Parse and score every corpus file of one format. */
export async function runParsersFormat(o: { quick: boolean; format: string }) {
  const entries = manifest().filter((e) => e.format === o.format);
  const runs = o.quick ? 1 : RUNS;
  const runner = createBenchRunner();
  collectGarbage();
  const heapBefore = heapMb();
  let heapPeak = heapBefore;
  const files: FileResult[] = [];
  try {
    for (const e of entries) {
      progress(`parsers:${o.format}: ${e.file}`);
      const bytes = readFileSync(join(CORPUS, e.file));
      const want = e.expected_strings === null ? null : stringsFor(e.file, JSON.parse(readFileSync(join(CORPUS, e.expected_strings), 'utf8')) as ExpectedStrings);
      const parsed = await timedParse(runner, basename(e.file), bytes, runs);
      heapPeak = Math.max(heapPeak, heapMb());
      if (!parsed.ok) {
        // A file that fails has no text, so it misses every string it was meant to hold.
        files.push({ file: e.file, bytes: bytes.length, error: parsed.error, ...(want?.include.length ? { strings: stringHits('', want) } : {}) });
        continue;
      }
      const { doc, resolution } = parsed.outcome;
      const markdown = renderMarkdown(doc);
      const ours = normalisedWords(markdown);
      const r: FileResult = { file: e.file, bytes: bytes.length, parser: resolution.parserId, ms: Math.round(parsed.ms * 10) / 10, runs_ms: parsed.runs_ms, blocks: doc.blocks.length, words: ours.length };
      if (typeof doc.metadata?.pageCount === 'number') r.pages = doc.metadata.pageCount;
      if (typeof doc.metadata?.ocr_pages === 'number') r.ocr_pages = doc.metadata.ocr_pages;
      const truthText = groundTruth(e);
      if (truthText !== null) {
        const truth = normalisedWords(truthText);
        const overlap = wordOverlap(truth, ours);
        const seq = sequenceSimilarity(truth, ours);
        Object.assign(r, { truth_words: truth.length, recall: r3(overlap.recall), precision: r3(overlap.precision), f1: r3(overlap.f1), sequence_similarity: r3(seq.similarity) });
        if (seq.truncated) r.sequence_truncated = true;
      }
      // A container's strings live in its members, which ingest indexes as files of their own.
      if (want !== null && want.include.length + want.exclude.length > 0) r.strings = stringHits(await withMembers(runner, markdown, doc, 1), want);
      files.push(r);
    }
  } finally {
    await runner.close();
  }
  const heapEnd = heapMb();
  collectGarbage();
  return { format: o.format, runs_per_file: runs, ...summarise(o.format, files), peak_rss_mb: peakRssMb(), heap_mb: { before: heapBefore, peak_sampled: heapPeak, end: heapEnd, retained: Math.round((heapMb() - heapBefore) * 10) / 10 }, per_file: files };
}

/** Per-format figures: means over the files that parsed (and, for quality, that have ground truth). */
function summarise(format: string, files: FileResult[]) {
  const ok = files.filter((f) => f.error === undefined);
  const scored = ok.filter((f) => f.recall !== undefined);
  const withStrings = files.filter((f) => f.strings !== undefined);
  const totalMs = ok.reduce((n, f) => n + f.ms!, 0);
  const okBytes = ok.reduce((n, f) => n + f.bytes, 0);
  // OCR costs seconds per page, text extraction milliseconds: one rate over both would say neither.
  const pagesPerS = (fs: FileResult[]) => {
    const s = fs.reduce((n, f) => n + f.ms!, 0) / 1000;
    return format !== 'pdf' || s === 0 ? null : Math.round((fs.reduce((n, f) => n + (f.pages ?? 0), 0) / s) * 10) / 10;
  };
  return {
    files: files.length,
    failed: files.length - ok.length,
    failures: files.filter((f) => f.error !== undefined).map((f) => ({ file: f.file, ...f.error })),
    scored_files: scored.length,
    recall: mean(scored.map((f) => f.recall!)),
    precision: mean(scored.map((f) => f.precision!)),
    f1: mean(scored.map((f) => f.f1!)),
    sequence_similarity: mean(scored.map((f) => f.sequence_similarity!)),
    strings_hit: withStrings.reduce((n, f) => n + f.strings!.hit, 0),
    strings_total: withStrings.reduce((n, f) => n + f.strings!.total, 0),
    strings_forbidden_found: withStrings.reduce((n, f) => n + f.strings!.forbidden_found, 0),
    ms_per_file: ok.length === 0 ? null : Math.round((totalMs / ok.length) * 10) / 10,
    pages_per_s: pagesPerS(ok.filter((f) => f.ocr_pages === undefined)),
    pages_per_s_with_ocr: pagesPerS(ok.filter((f) => f.ocr_pages !== undefined)),
    mb_per_s: TEXT_FORMATS.has(format) && totalMs > 0 ? Math.round((okBytes / 2 ** 20 / (totalMs / 1000)) * 100) / 100 : null,
  };
}

export type ParsersFormatResult = Awaited<ReturnType<typeof runParsersFormat>>;

/** The text of a container and of every member below it (untimed), as a search over the upload sees it. */
async function withMembers(runner: ParseRunner, markdown: string, doc: ParsedDocument, depth: number): Promise<string> {
  const parts = [markdown];
  for (const child of doc.children ?? []) {
    const sub = await runner.parse({ bytes: child.bytes, name: basename(child.path), mimeType: child.mimeType ?? '', depth }).catch(() => null);
    if (sub !== null) parts.push(await withMembers(runner, renderMarkdown(sub.doc), sub.doc, depth + 1));
  }
  return parts.join('\n\n');
}
