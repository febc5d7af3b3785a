import { AppError } from '../../domain/errors.js';
import type { OcrEngine, OcrResult } from '../../ports/ocr.js';
import type { ToolRunner } from '../../ports/tools.js';
import { missingTool } from '../tools/process-tool-runner.js';

export interface TesseractCliOptions {
  /** Per image; a scanned page at 200 dpi takes 1-5 s. */
  timeoutMs?: number;
  /** Address-space limit for the tesseract process. */
  memoryMb?: number;
}

const MAX_TSV_BYTES = 64 * 1024 * 1024;

/**
 * OCR with Debian's tesseract (tesseract-ocr + tesseract-ocr-eng), run through the ToolRunner.
 * The image goes in on stdin and TSV comes out on stdout, so one run gives both the text and
 * per-word confidences, and nothing touches the disk.
 */
export class TesseractCliOcr implements OcrEngine {
  readonly id = 'tesseract';

  constructor(
    private readonly tools: ToolRunner,
    private readonly options: TesseractCliOptions = {},
  ) {}

  async recognize(image: Buffer, opts: { signal?: AbortSignal } = {}): Promise<OcrResult> {
    if (opts.signal?.aborted) throw new AppError('parser.timeout', 'OCR was stopped: the parse was cancelled');
    const tesseract = await this.tools.which('tesseract');
    if (tesseract === null) throw missingTool('tesseract');
    const args = ['stdin', 'stdout', '--psm', '3', 'tsv'];
    const runOpts = { input: image, timeoutMs: this.options.timeoutMs ?? 120_000, memoryMb: this.options.memoryMb, maxOutputBytes: MAX_TSV_BYTES, signal: opts.signal };
    // Tesseract's OpenMP threads fight each other (and any parallel parse) for cores: measured on a
    // 2-core box, one page took 4.5 s with the default threads and 1.4 s with OMP_THREAD_LIMIT=1.
    // The ToolRunner passes no environment, so coreutils' env sets it.
    const env = await this.tools.which('env');
    const result = env !== null
      ? await this.tools.run('env', ['OMP_THREAD_LIMIT=1', tesseract, ...args], runOpts)
      : await this.tools.run('tesseract', args, runOpts);
    if (result.exitCode !== 0) {
      const reason = result.stderr.trim().split('\n').filter(Boolean).pop() ?? `exit code ${result.exitCode}`;
      throw new AppError('parser.failed', `tesseract could not read the image: ${reason}`, { engine: this.id });
    }
    return parseTsv(result.stdout.toString('utf8'));
  }

  async close(): Promise<void> {
    // Each recognition is its own process; nothing stays running.
  }
}

/**
 * Rebuild text from tesseract's TSV (one row per page, block, paragraph, line and word): words
 * joined by spaces, lines by newlines, paragraphs by blank lines, as tesseract's text output does.
 * Confidence is the mean over recognised words, as tesseract's own MeanTextConf; -1 when there are none.
 */
export function parseTsv(tsv: string): OcrResult {
  const paragraphs: string[][][] = [];
  let paragraphKey = '';
  let lineKey = '';
  let confSum = 0;
  let words = 0;
  for (const row of tsv.split('\n').slice(1)) {
    const cols = row.split('\t');
    // level 5 is a word: level page block par line word left top width height conf text
    if (cols.length < 12 || cols[0] !== '5') continue;
    const text = cols.slice(11).join('\t').trim();
    const conf = Number(cols[10]);
    if (text === '' || !Number.isFinite(conf) || conf < 0) continue;
    const par = `${cols[1]}.${cols[2]}.${cols[3]}`;
    const line = `${par}.${cols[4]}`;
    if (par !== paragraphKey) paragraphs.push([]);
    const lines = paragraphs[paragraphs.length - 1]!;
    if (line !== lineKey || par !== paragraphKey) lines.push([]);
    lines[lines.length - 1]!.push(text);
    paragraphKey = par;
    lineKey = line;
    confSum += conf;
    words += 1;
  }
  const text = paragraphs.map((lines) => lines.map((w) => w.join(' ')).join('\n')).join('\n\n');
  return { text, confidence: words === 0 ? -1 : confSum / words };
}
