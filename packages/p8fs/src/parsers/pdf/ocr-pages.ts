import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { OcrEngine } from '../../ports/ocr.js';
import type { Block, ParseContext } from '../../ports/parser.js';
import { TOOL_PACKAGES } from '../../ports/tools.js';
import { ocrBlocks, usableOcr } from '../image/ocr-text.js';

/** 200 dpi: Tesseract's accuracy levels off around 200-300 dpi, and time grows with pixels. */
const OCR_DPI = 200;
/** Long side of a rendered page, so an oversized page (a poster, a map) cannot render to gigapixels. */
const MAX_RENDER_SIDE = 5000;
const RENDER_TIMEOUT_MS = 60_000;
const MAX_RENDER_BYTES = 128 * 1024 * 1024;

/** What OCR added to a PDF: blocks per page, and what to say about it in metadata. */
export interface PdfOcr {
  blocks: Map<number, Block[]>;
  metadata: Record<string, unknown>;
}

/** A page's size in PDF points (1/72 inch). */
export interface PageSize {
  widthPt: number;
  heightPt: number;
}

/** The refusal for a PDF without any text when OCR is switched off. */
export const NO_TEXT_LAYER = 'no text layer (a scanned PDF) and OCR is switched off: enable OCR (ocrProvider tesseract.js or tesseract) to read it';

/** Why OCR cannot run, or null when it can: OCR switched off, or no pdftoppm to render pages. */
export async function ocrUnavailable(ctx: ParseContext | undefined): Promise<AppError | null> {
  if (!ctx?.ocr) {
    return new AppError('parser.failed', NO_TEXT_LAYER);
  }
  if ((await ctx.tools.which('pdftoppm')) === null) {
    const pkg = TOOL_PACKAGES.pdftoppm ?? 'poppler-utils';
    return new AppError('parser.tool_missing', `no text layer (a scanned PDF), and pdftoppm, which renders its pages for OCR, is not installed: install it with \`apt-get install ${pkg}\``, {
      tool: 'pdftoppm',
      package: pkg,
    });
  }
  return null;
}

/**
 * Render pages with poppler's pdftoppm and OCR them, at most limits.maxOcrPages of them; later
 * pages are skipped and counted. The next page renders while the current one is recognised.
 */
export async function ocrPages(
  bytes: Buffer,
  pages: number[],
  sizeOf: (page: number) => Promise<PageSize>,
  ocr: OcrEngine,
  ctx: ParseContext,
): Promise<PdfOcr> {
  const todo = pages.slice(0, Math.max(0, ctx.limits.maxOcrPages));
  const blocks = new Map<number, Block[]>();
  const empty: number[] = [];
  const dir = await mkdtemp(join(ctx.tmpDir, 'pdf-ocr-'));
  try {
    const file = join(dir, 'input.pdf');
    await writeFile(file, bytes);
    let next = todo.length > 0 ? render(file, todo[0]!, sizeOf, ctx) : null;
    for (let i = 0; i < todo.length; i++) {
      const png = await next!;
      next = i + 1 < todo.length ? render(file, todo[i + 1]!, sizeOf, ctx) : null;
      // Should OCR fail, the page rendering ahead is abandoned; its failure is not news.
      next?.catch(() => undefined);
      const result = await ocr.recognize(png, { signal: ctx.signal });
      const page = todo[i]!;
      const found = usableOcr(result) ? ocrBlocks(result.text, page) : [];
      if (found.length > 0) blocks.set(page, found);
      else empty.push(page);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const metadata: Record<string, unknown> = { ocr: ocr.id, ocr_pages: todo.length };
  if (empty.length > 0) metadata.ocr_pages_without_text = empty;
  if (pages.length > todo.length) metadata.ocr_pages_skipped = pages.length - todo.length;
  return { blocks, metadata };
}

async function render(file: string, page: number, sizeOf: (page: number) => Promise<PageSize>, ctx: ParseContext): Promise<Buffer> {
  if (ctx.signal.aborted) throw new AppError('parser.timeout', 'PDF OCR was stopped: the parse was cancelled');
  const { widthPt, heightPt } = await sizeOf(page);
  const longSidePt = Math.max(widthPt, heightPt, 1);
  const dpi = Math.max(1, Math.min(OCR_DPI, Math.floor((MAX_RENDER_SIDE * 72) / longSidePt)));
  const n = String(page);
  const { stdout, stderr, exitCode } = await ctx.tools.run('pdftoppm', ['-r', String(dpi), '-gray', '-png', '-f', n, '-l', n, file], {
    timeoutMs: RENDER_TIMEOUT_MS,
    maxOutputBytes: MAX_RENDER_BYTES,
    signal: ctx.signal,
  });
  if (exitCode !== 0 || stdout.length === 0) {
    const reason = stderr.trim().split('\n').pop() || `exit code ${exitCode}`;
    throw new AppError('parser.failed', `could not render PDF page ${page} for OCR: ${reason}`);
  }
  return stdout;
}
