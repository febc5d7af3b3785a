// Markdown summary of the parsers suite; the "Parsers" section of docs/benchmarks.md is written from it.
import type { ParsersAudioResult } from './parsers-audio.js';
import type { ParsersFormatResult } from './parsers.js';

const row = (cells: unknown[]) => `| ${cells.map((c) => (c === null || c === undefined ? '–' : String(c))).join(' | ')} |`;
const sep = (n: number) => row(Array.from({ length: n }, () => '---'));
const f3 = (x: number | null | undefined) => (x === null || x === undefined ? null : x.toFixed(3));

/** One line per corpus format, then the failures, then the speech clips. */
export function printParsers(runs: (ParsersFormatResult | ParsersAudioResult)[]): void {
  const formats = runs.filter((r): r is ParsersFormatResult => r.format !== 'audio');
  const audio = runs.find((r): r is ParsersAudioResult => r.format === 'audio');
  const head = ['format', 'files', 'failed', 'scored', 'recall', 'precision', 'F1', 'seq sim', 'strings', 'ms/file', 'pages/s (OCR)', 'MB/s', 'peak RSS MB', 'heap retained MB'];
  const out = ['## Parsers (docs-corpus)', '', row(head), sep(head.length)];
  for (const r of formats) {
    const strings = r.strings_total > 0 ? `${r.strings_hit}/${r.strings_total}` : null;
    out.push(row([r.format, r.files, r.failed, r.scored_files, f3(r.recall), f3(r.precision), f3(r.f1), f3(r.sequence_similarity), strings, r.ms_per_file, r.pages_per_s === null ? null : `${r.pages_per_s}${r.pages_per_s_with_ocr === null ? '' : ` (${r.pages_per_s_with_ocr})`}`, r.mb_per_s, r.peak_rss_mb, r.heap_mb.retained]));
  }
  const failures = formats.flatMap((r) => r.failures);
  if (failures.length > 0) {
    out.push('', 'failed files', '', row(['file', 'code', 'message']), sep(3));
    for (const f of failures) out.push(row([f.file, f.code, (f.message ?? '').replace(/\|/g, '\\|').slice(0, 160)]));
  }
  if (audio !== undefined) {
    out.push('', '## Speech clips', '', row(['clip', 'transcriber', 'audio s', 'ms', 'x realtime', 'WER', 'S/D/I', '1..5 found', 'transcript or error']), sep(9));
    for (const c of audio.clips) {
      const sdi = c.wer === undefined ? null : `${c.substitutions}/${c.deletions}/${c.insertions}`;
      const text = c.error !== undefined ? `${c.error.code}: ${c.error.message}` : c.transcript;
      out.push(row([c.file, c.transcriber as string | undefined, c.audio_s, c.ms, c.realtime_x, f3(c.wer), sdi, c.numbers_found, text?.replace(/\s+/g, ' ').slice(0, 120)]));
    }
  }
  console.log(out.join('\n'));
}
