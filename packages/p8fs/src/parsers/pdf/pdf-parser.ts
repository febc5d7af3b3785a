import { AppError, errorMessage } from '../../domain/errors.js';
import { authorLinks } from '../../domain/graph.js';
import type { Block, ParseContext, ParsedDocument, Parser } from '../../ports/parser.js';
import { bodySize, headingSizes, type Line, linesToBlocks, toLines } from './layout.js';
import { ocrPages, ocrUnavailable, type PageSize, type PdfOcr } from './ocr-pages.js';

export { NO_TEXT_LAYER } from './ocr-pages.js';

// unpdf bundles its own pdf.js build; importing pdfjs-dist next to it loads a second, clashing copy.
type Unpdf = typeof import('unpdf');
type PdfDocument = Awaited<ReturnType<Unpdf['getDocumentProxy']>>;

/**
 * PDF: text per page via unpdf, rebuilt into paragraphs and headings with 1-based page numbers.
 * Pages with no text layer (scans) are rendered with pdftoppm and OCR'd when the context has OCR.
 */
export const pdfParser: Parser = {
  id: 'pdf',
  // 2: image-only pages are OCR'd.
  version: 3,
  mediaTypes: ['application/pdf'],
  extensions: ['.pdf'],
  async parse({ bytes }, ctx) {
    const unpdf = await import('unpdf');
    const pdf = await open(unpdf, bytes);
    try {
      return await extract(unpdf, pdf, bytes, ctx);
    } finally {
      await pdf.destroy().catch(() => undefined);
    }
  },
};

async function open(unpdf: Unpdf, bytes: Buffer): Promise<PdfDocument> {
  try {
    // A copy: pdf.js may detach the buffer it is given. verbosity 0 keeps font warnings off stdout.
    return await unpdf.getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (err) {
    throw openError(err);
  }
}

/** Why pdf.js could not open a file, with the stable code a caller can act on. */
function openError(err: unknown): AppError {
  const name = err instanceof Error ? err.name : '';
  const cause = { cause: errorMessage(err) };
  if (name === 'PasswordException') return new AppError('parser.encrypted', 'PDF is encrypted and needs a password', cause);
  if (name === 'InvalidPDFException') return new AppError('parser.corrupt', `not a valid PDF (corrupt or truncated): ${errorMessage(err)}`, cause);
  return new AppError('parser.failed', `could not open PDF: ${errorMessage(err)}`, cause);
}

// ctx may be missing: callers from before the ParseContext existed parse text PDFs without one.
async function extract(unpdf: Unpdf, pdf: PdfDocument, bytes: Buffer, ctx: ParseContext | undefined): Promise<ParsedDocument> {
  let pages: Line[][];
  try {
    const { items } = await unpdf.extractTextItems(pdf);
    pages = items.map((pageItems) => toLines(pageItems));
  } catch (err) {
    throw new AppError('parser.failed', `could not read PDF text: ${errorMessage(err)}`, { cause: errorMessage(err) });
  }
  const textless = pages.flatMap((lines, i) => (lines.length === 0 ? [i + 1] : []));
  const ocr = await ocrTextless(pdf, bytes, textless, textless.length === pages.length, ctx);
  const body = bodySize(pages);
  const levels = headingSizes(pages, body);
  const blocks: Block[] = pages.flatMap((lines, i) => (lines.length > 0 ? linesToBlocks(lines, i + 1, body, levels) : (ocr.blocks.get(i + 1) ?? [])));
  if (blocks.length === 0) throw nothingFound(ocr.metadata);
  const info = await readInfo(pdf);
  const metadata: Record<string, unknown> = { pageCount: pdf.numPages };
  if (info.title !== null) metadata.title = info.title;
  if (info.author !== null) metadata.author = info.author;
  // Pages that are images only (a scanned insert) are named, so nobody mistakes them for empty.
  if (textless.length > 0) Object.assign(metadata, { pagesWithoutText: textless }, ocr.metadata);
  const firstHeading = blocks.find((b) => b.kind === 'heading')?.text ?? null;
  const links = authorLinks(info.author?.split(';') ?? []);
  return { title: info.title ?? firstHeading, blocks, metadata, ...(links.length > 0 ? { links } : {}) };
}

/**
 * OCR the pages without a text layer. A PDF with no text at all fails when OCR cannot run, saying
 * what to enable or install; a PDF with some text keeps it and notes in metadata why OCR was left out.
 */
async function ocrTextless(pdf: PdfDocument, bytes: Buffer, textless: number[], allTextless: boolean, ctx: ParseContext | undefined): Promise<PdfOcr> {
  if (textless.length === 0) return { blocks: new Map(), metadata: {} };
  const unavailable = await ocrUnavailable(ctx);
  if (unavailable !== null || !ctx?.ocr) {
    if (allTextless && unavailable !== null) throw unavailable;
    return { blocks: new Map(), metadata: { ocr: ctx?.ocr ? 'unavailable: pdftoppm is not installed (poppler-utils)' : 'off' } };
  }
  return ocrPages(bytes, textless, (page) => pageSize(pdf, page), ctx.ocr, ctx);
}

async function pageSize(pdf: PdfDocument, n: number): Promise<PageSize> {
  const [x0 = 0, y0 = 0, x1 = 0, y1 = 0] = (await pdf.getPage(n)).view;
  return { widthPt: Math.abs(x1 - x0), heightPt: Math.abs(y1 - y0) };
}

/** A PDF without a text layer whose OCR found nothing either: a drawing, a photo, a blank scan. */
function nothingFound(ocr: Record<string, unknown>): AppError {
  const skipped = typeof ocr.ocr_pages_skipped === 'number' ? `; ${ocr.ocr_pages_skipped} more were not OCR'd (the OCR page limit)` : '';
  return new AppError('parser.failed', `no text: the PDF has no text layer, and OCR found no readable text on the ${ocr.ocr_pages} pages it read${skipped}`, ocr);
}

async function readInfo(pdf: PdfDocument): Promise<{ title: string | null; author: string | null }> {
  try {
    const { info } = await pdf.getMetadata();
    const dict = (info ?? {}) as Record<string, unknown>;
    return { title: infoString(dict.Title), author: infoString(dict.Author) };
  } catch {
    // The info dictionary is optional and often broken; the text is what matters.
    return { title: null, author: null };
  }
}

/** An info-dict string, minus producer placeholders such as ReportLab's "(anonymous)". */
function infoString(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.replace(/\s+/g, ' ').trim();
  if (text === '' || /^\(?(?:anonymous|unspecified|untitled|unknown|none)\)?$/i.test(text)) return null;
  return text;
}
