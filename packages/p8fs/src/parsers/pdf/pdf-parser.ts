import { AppError, errorMessage } from '../../domain/errors.js';
import type { Block, ParsedDocument, Parser } from '../../ports/parser.js';
import { bodySize, headingSizes, type Line, linesToBlocks, toLines } from './layout.js';

// unpdf bundles its own pdf.js build; importing pdfjs-dist next to it loads a second, clashing copy.
type Unpdf = typeof import('unpdf');
type PdfDocument = Awaited<ReturnType<Unpdf['getDocumentProxy']>>;

export const NO_TEXT_LAYER = 'no text layer (scanned PDF; OCR arrives with the P2 processors)';

/** PDF: text per page via unpdf, rebuilt into paragraphs and headings with 1-based page numbers. */
export const pdfParser: Parser = {
  id: 'pdf',
  version: 1,
  mediaTypes: ['application/pdf'],
  extensions: ['.pdf'],
  async parse({ bytes }) {
    const unpdf = await import('unpdf');
    const pdf = await open(unpdf, bytes);
    try {
      return await extract(unpdf, pdf);
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
    throw new AppError('parser.failed', describeOpenError(err), { cause: errorMessage(err) });
  }
}

function describeOpenError(err: unknown): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'PasswordException') return 'PDF is encrypted and needs a password';
  if (name === 'InvalidPDFException') return `not a valid PDF (corrupt or truncated): ${errorMessage(err)}`;
  return `could not open PDF: ${errorMessage(err)}`;
}

async function extract(unpdf: Unpdf, pdf: PdfDocument): Promise<ParsedDocument> {
  let pages: Line[][];
  try {
    const { items } = await unpdf.extractTextItems(pdf);
    pages = items.map((pageItems) => toLines(pageItems));
  } catch (err) {
    throw new AppError('parser.failed', `could not read PDF text: ${errorMessage(err)}`, { cause: errorMessage(err) });
  }
  if (pages.every((lines) => lines.length === 0)) throw new AppError('parser.failed', NO_TEXT_LAYER);
  const body = bodySize(pages);
  const levels = headingSizes(pages, body);
  const blocks: Block[] = pages.flatMap((lines, i) => linesToBlocks(lines, i + 1, body, levels));
  const info = await readInfo(pdf);
  const metadata: Record<string, unknown> = { pageCount: pdf.numPages };
  if (info.title !== null) metadata.title = info.title;
  if (info.author !== null) metadata.author = info.author;
  const textless = pages.flatMap((lines, i) => (lines.length === 0 ? [i + 1] : []));
  // Pages that are images only (a scanned insert) are named, so nobody mistakes them for empty.
  if (textless.length > 0) metadata.pagesWithoutText = textless;
  const firstHeading = blocks.find((b) => b.kind === 'heading')?.text ?? null;
  return { title: info.title ?? firstHeading, blocks, metadata };
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
