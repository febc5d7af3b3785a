import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { SearchHit } from '@p8fs/contracts';
import { createApp } from '../../app.js';
import { createEmbedder } from '../../adapters/embedders/index.js';
import { DEFAULT_TUNING } from '../../services/search.js';
import { benchConfig, ms, percentile, progress, REPO_ROOT, silentLogger, TMP_DIR, waitIndexed } from '../common.js';
import { CachedEmbedder } from '../vector-cache.js';
import { NOTES_QUESTIONS, type NotesQuestion } from './questions.js';
import { personalVault } from './vault.js';

// The personal-notes yardstick (issue 15): a generated personal vault mixed with the shared document
// corpus as distractors, uploaded through FilesService and indexed by the worker pool; each question
// asked in every mode, grouped by file and as the raw chunk list; hit@k over distinct files.

export const DOCS_CORPUS = join(REPO_ROOT, '..', 'shared', 'yardsticks', 'docs-corpus');

/** Corpus files left out: an archive, a 390 kB page and a feed that would outweigh the vault, and a scan that needs OCR. */
const SKIPPED = new Set(['markitdown/sources/test_files.zip', 'markitdown/sources/test_wikipedia.html', 'markitdown/sources/test_rss.xml',
  'markitdown/sources/MEDRPT-2024-PAT-3847_medical_report_scan.pdf']);

const MODES = ['hybrid', 'keyword', 'vector'] as const;
const GROUPS = ['file', 'chunk'] as const;
/** Reported views: the two groupings, and the chunk list counted in raw slots (k passages, not k files). */
const VIEWS = ['file', 'chunk', 'chunk-slots'] as const;
const KS = [1, 3, 10] as const;

export interface NotesOptions {
  quick: boolean;
  embedder?: 'use-lite' | 'hash';
}

export interface NotesRow {
  id: string;
  kind: NotesQuestion['kind'];
  question: string;
  expected: string[];
  /**
   * per "mode/view": 1-based rank of the first expected file among distinct files (null = not in the first 10) and
   * the top 3; view chunk-slots counts raw passages of the chunk list instead of distinct files
   */
  answers: Record<string, { rank: number | null; top: string[] }>;
}

export interface NotesBenchResult {
  embedder: string;
  vault_files: number;
  distractor_files: number;
  distractor_source: string;
  indexed: number;
  failed: string[];
  chunks: number;
  questions: number;
  hit: Record<string, Record<string, number>>;
  by_kind: Record<string, Record<string, { n: number; hit_at_1: number; hit_at_3: number }>>;
  min_score: number;
  load_s: number;
  search_ms: { p50: number; p95: number };
  embed_cache: { hits: number; misses: number };
  rows: NotesRow[];
}

/** The shared corpus files used as distractors: every source in the manifest but the skipped four, in manifest order. */
export function distractorFiles(): string[] {
  const manifest = JSON.parse(readFileSync(join(DOCS_CORPUS, 'manifest.json'), 'utf8')) as { file: string }[];
  return manifest.map((m) => m.file).filter((f) => !SKIPPED.has(f));
}

export async function runNotesOnce(o: NotesOptions): Promise<NotesBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-bench-notes-'));
  const provider = o.embedder ?? 'use-lite';
  const config = benchConfig(join(dir, 'data'), { embeddingProvider: provider });
  const embedder = new CachedEmbedder(await createEmbedder(config), join(TMP_DIR, `vectors-${provider}.jsonl`));
  const app = await createApp(config, { embedder, logger: silentLogger });
  try {
    const started = performance.now();
    const pathOf = new Map<string, string>();
    app.pool.start();
    const vault = personalVault();
    for (const f of vault) {
      const { file } = await app.services.files.create(app.owner, { name: basename(f.path), uri: f.path, mimeType: f.mimeType }, Readable.from([Buffer.from(f.content)]));
      pathOf.set(file.id, f.path);
    }
    const corpus = o.quick ? distractorFiles().slice(0, 10) : distractorFiles();
    for (const f of corpus) {
      const { file } = await app.services.files.create(app.owner, { name: basename(f), uri: `corpus/${f}` }, createReadStream(join(DOCS_CORPUS, f)));
      pathOf.set(file.id, `corpus/${f}`);
    }
    const status = await waitIndexed('notes', app, vault.length + corpus.length, 1000);
    await app.pool.stop();
    const loadS = (performance.now() - started) / 1000;
    const failed = (await app.db.query<{ uri: string }>(`SELECT uri FROM files WHERE status = 'failed' ORDER BY uri`)).map((r) => r.uri);
    progress(`notes: ${status.files.indexed} files indexed, ${status.resources} chunks in ${Math.round(loadS)} s; asking ${NOTES_QUESTIONS.length} questions`);

    const took: number[] = [];
    const rows: NotesRow[] = [];
    for (const nq of NOTES_QUESTIONS) {
      const answers: NotesRow['answers'] = {};
      for (const mode of MODES) {
        for (const group of GROUPS) {
          const t = performance.now();
          const res = await app.services.search.search(app.owner, { query: nq.question, mode, group, limit: group === 'file' ? 10 : 100 });
          took.push(performance.now() - t);
          const files = distinctFiles(res.results, pathOf).slice(0, 10);
          const at = files.findIndex((p) => nq.expected.includes(p));
          answers[`${mode}/${group}`] = { rank: at < 0 ? null : at + 1, top: files.slice(0, 3) };
          if (group === 'chunk') {
            // The raw list as a reader sees it: every passage (and every copy) takes a slot.
            const slot = res.results.slice(0, 10).findIndex((h) => nq.expected.includes((h.file_id && pathOf.get(h.file_id)) || h.uri));
            answers[`${mode}/chunk-slots`] = { rank: slot < 0 ? null : slot + 1, top: res.results.slice(0, 3).map((h) => (h.file_id && pathOf.get(h.file_id)) || h.uri) };
          }
        }
      }
      rows.push({ id: nq.id, kind: nq.kind, question: nq.question, expected: nq.expected, answers });
    }
    return {
      embedder: embedder.id, vault_files: vault.length, distractor_files: corpus.length, distractor_source: relative(REPO_ROOT, DOCS_CORPUS),
      indexed: status.files.indexed ?? 0, failed, chunks: status.resources, questions: rows.length,
      hit: hitTable(rows), by_kind: byKind(rows), min_score: DEFAULT_TUNING.minScore, load_s: Math.round(loadS),
      search_ms: { p50: ms(percentile(took, 50)), p95: ms(percentile(took, 95)) },
      embed_cache: { hits: embedder.hits, misses: embedder.misses }, rows,
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Files in the order their first hit appears (a grouped list already has one hit per file). */
function distinctFiles(hits: SearchHit[], pathOf: Map<string, string>): string[] {
  const seen: string[] = [];
  for (const h of hits) {
    const p = (h.file_id && pathOf.get(h.file_id)) || h.uri;
    if (!seen.includes(p)) seen.push(p);
  }
  return seen;
}

const share = (rows: NotesRow[], key: string, k: number) =>
  Math.round((rows.filter((r) => { const rank = r.answers[key]?.rank; return rank != null && rank <= k; }).length / Math.max(1, rows.length)) * 1000) / 1000;

function hitTable(rows: NotesRow[]): NotesBenchResult['hit'] {
  const out: NotesBenchResult['hit'] = {};
  for (const mode of MODES) for (const view of VIEWS) {
    const key = `${mode}/${view}`;
    out[key] = Object.fromEntries(KS.map((k) => [`hit_at_${k}`, share(rows, key, k)]));
  }
  return out;
}

function byKind(rows: NotesRow[]): NotesBenchResult['by_kind'] {
  const out: NotesBenchResult['by_kind'] = {};
  for (const kind of [...new Set(rows.map((r) => r.kind))]) {
    const of = rows.filter((r) => r.kind === kind);
    out[kind] = {};
    for (const mode of MODES) for (const view of VIEWS) {
      const key = `${mode}/${view}`;
      (out[kind] as Record<string, unknown>)[key] = { n: of.length, hit_at_1: share(of, key, 1), hit_at_3: share(of, key, 3) };
    }
  }
  return out;
}

/** The Markdown table for docs/benchmarks.md, and the questions the default (hybrid, grouped) misses at 3. */
export function printNotes(r: NotesBenchResult): void {
  const cell = (key: string) => `${r.hit[key]?.hit_at_1?.toFixed(3)} / ${r.hit[key]?.hit_at_3?.toFixed(3)} / ${r.hit[key]?.hit_at_10?.toFixed(3)}`;
  const misses = r.rows.filter((x) => { const a = x.answers['hybrid/file']; return !a || a.rank === null || a.rank > 3; });
  console.log([
    `## Personal-notes yardstick: ${r.questions} questions, ${r.vault_files} vault files + ${r.distractor_files} corpus distractors (${r.chunks} chunks, ${r.embedder})`, '',
    '| mode | group=file hit@1 / @3 / @10 | group=chunk, distinct files | group=chunk, raw slots |', '|---|---|---|---|',
    ...MODES.map((m) => `| ${m} | ${cell(`${m}/file`)} | ${cell(`${m}/chunk`)} | ${cell(`${m}/chunk-slots`)} |`),
    '', '| kind | n | hybrid/file hit@1 / @3 | keyword/file | vector/file |', '|---|---|---|---|---|',
    ...Object.entries(r.by_kind).map(([kind, v]) => `| ${kind} | ${v['hybrid/file']?.n} | ${['hybrid', 'keyword', 'vector'].map((m) => `${v[`${m}/file`]?.hit_at_1.toFixed(2)} / ${v[`${m}/file`]?.hit_at_3.toFixed(2)}`).join(' | ')} |`),
    '', `hybrid, group=file, not in the top 3 (${misses.length}):`,
    ...misses.map((x) => `- ${x.id}: "${x.question}" → rank ${x.answers['hybrid/file']?.rank ?? '>10'}; top: ${x.answers['hybrid/file']?.top.join(', ')}`),
    '', `load + index ${r.load_s} s; search p50 ${r.search_ms.p50} ms / p95 ${r.search_ms.p95} ms; failed files: ${r.failed.length ? r.failed.join(', ') : 'none'}`,
  ].join('\n'));
}
