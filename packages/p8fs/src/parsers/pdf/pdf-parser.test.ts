import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { TesseractJsOcr } from '../../adapters/ocr/tesseract-js-ocr.js';
import { textImage } from '../../adapters/ocr/text-image.fixture.js';
import { ProcessToolRunner } from '../../adapters/tools/process-tool-runner.js';
import { chunkDocument } from '../../domain/chunking.js';
import { AppError } from '../../domain/errors.js';
import type { OcrEngine } from '../../ports/ocr.js';
import type { ParseContext, ParsedDocument } from '../../ports/parser.js';
import { NO_TEXT_LAYER, pdfParser } from './pdf-parser.js';

type Draw = (doc: PDFKit.PDFDocument) => void;

/** Render a PDF in memory with pdfkit: one draw function per page. */
function makePdf(pages: Draw[], options: PDFKit.PDFDocumentOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({ autoFirstPage: false, ...options });
  const parts: Buffer[] = [];
  doc.on('data', (b: Buffer) => parts.push(b));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(parts))));
  for (const draw of pages) {
    doc.addPage();
    draw(doc);
  }
  doc.end();
  return done;
}

const LOREM =
  'Tomatoes need warmth and at least six hours of sun. Water them deeply twice a week, and feed them every fortnight once the first trusses set. ' +
  'Pinch out side shoots so the plant puts its energy into fruit rather than leaves.';

const section = (title: string, body: string): Draw => (doc) => {
  doc.font('Helvetica-Bold').fontSize(20).text(title);
  doc.moveDown();
  doc.font('Helvetica').fontSize(11).text(body);
  doc.moveDown();
  doc.text(`Second paragraph of ${title}.`);
};

// Without a context, as callers from before ParseContext do: text PDFs must still parse.
const parse = (bytes: Buffer, ctx?: ParseContext): Promise<ParsedDocument> =>
  pdfParser.parse({ bytes, name: 'doc.pdf', mimeType: 'application/pdf' }, ctx as ParseContext);

const ocr = new TesseractJsOcr();
afterAll(() => ocr.close());

/** Scans on small pages: OCR time grows with the rendered area, and the words are what is tested. */
const SMALL_PAGES: PDFKit.PDFDocumentOptions = { size: [612, 360] };

/** A page that is one picture of text, as a scanner makes: no text layer. */
async function scannedPage(lines: string[]): Promise<Draw> {
  const png = await textImage(lines, { fontSize: 48, width: 1600 }).png().toBuffer();
  return (d) => d.image(png, 36, 36, { width: 540 });
}

/** An OCR engine that notes the size of each image it is given and reads nothing. */
function measuringOcr(): OcrEngine & { sizes: [number, number][] } {
  const sizes: [number, number][] = [];
  return {
    id: 'measuring',
    sizes,
    recognize: async (image) => {
      const m = await sharp(image).metadata();
      sizes.push([m.width, m.height]);
      return { text: '', confidence: -1 };
    },
    close: async () => {},
  };
}

async function failure(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('pdfParser', () => {
  it('extracts a 3-page PDF with 1-based page numbers, headings and info-dict metadata', async () => {
    const bytes = await makePdf([section('Planting', LOREM), section('Watering', LOREM), section('Harvest', LOREM)], {
      info: { Title: 'Tomato Handbook', Author: 'Ada Gardener' },
    });
    const doc = await parse(bytes);
    expect(doc.title).toBe('Tomato Handbook');
    expect(doc.metadata).toMatchObject({ pageCount: 3, title: 'Tomato Handbook', author: 'Ada Gardener' });
    expect(doc.links).toEqual([{ target: 'Ada Gardener', rel: 'authored_by', targetType: 'person' }]);
    const headings = doc.blocks.filter((b) => b.kind === 'heading');
    expect(headings.map((h) => [h.text, h.page])).toEqual([
      ['Planting', 1],
      ['Watering', 2],
      ['Harvest', 3],
    ]);
    const paragraphs = doc.blocks.filter((b) => b.kind === 'paragraph');
    // Wrapped lines are joined back into one paragraph per source paragraph.
    expect(paragraphs.map((p) => [p.text, p.page])).toEqual([
      [LOREM, 1],
      ['Second paragraph of Planting.', 1],
      [LOREM, 2],
      ['Second paragraph of Watering.', 2],
      [LOREM, 3],
      ['Second paragraph of Harvest.', 3],
    ]);
    const chunks = chunkDocument(doc, { chunkTokens: 200, overlapTokens: 20 });
    expect(chunks.map((c) => [c.headingPath, c.page])).toEqual([
      [['Planting'], 1],
      [['Watering'], 2],
      [['Harvest'], 3],
    ]);
  });

  it('joins words hyphenated across a line break', async () => {
    const bytes = await makePdf([(d) => d.fontSize(11).text('The method is exceptionally well-known and con-', 72, 72).text('firming it took weeks of careful work in the lab.', 72, 85)]);
    const doc = await parse(bytes);
    const text = doc.blocks.map((b) => b.text).join(' ');
    expect(text).toContain('con' + 'firming it took weeks');
    expect(text).toContain('well-known');
  });

  it('fails with parser.corrupt and a clear reason on a truncated PDF', async () => {
    const bytes = await makePdf([section('Planting', LOREM)]);
    const err = await failure(parse(bytes.subarray(0, Math.floor(bytes.length / 3))));
    expect(err.code).toBe('parser.corrupt');
    expect(err.message).toMatch(/PDF/);
  });

  it('fails with parser.corrupt on bytes that are not a PDF at all', async () => {
    const err = await failure(parse(Buffer.from('just some text pretending to be a pdf')));
    expect(err.code).toBe('parser.corrupt');
    expect(err.message).toMatch(/^not a valid PDF/);
  });

  it('fails with parser.encrypted on a password-protected PDF', async () => {
    const bytes = await makePdf([section('Secret', LOREM)], { userPassword: 'hunter2', ownerPassword: 'owner', pdfVersion: '1.7' });
    const err = await failure(parse(bytes));
    expect(err.code).toBe('parser.encrypted');
    expect(err.message).toBe('PDF is encrypted and needs a password');
  });

  it('refuses a PDF with no text layer instead of inventing a chunk', async () => {
    const bytes = await makePdf([(d) => d.rect(50, 50, 200, 100).fill('#336699'), (d) => d.circle(200, 200, 50).stroke()]);
    const err = await failure(parse(bytes));
    expect(err.code).toBe('parser.failed');
    expect(err.message).toBe(NO_TEXT_LAYER);
  });

  it('names image-only pages of an otherwise text PDF', async () => {
    const bytes = await makePdf([section('Intro', LOREM), (d) => d.rect(50, 50, 200, 100).fill('#000')]);
    const doc = await parse(bytes);
    expect(doc.metadata).toMatchObject({ pageCount: 2, pagesWithoutText: [2] });
  });

  it('OCRs pages without a text layer, in page order among the text pages', async () => {
    const bytes = await makePdf([
      await scannedPage(['Invoice 4471 for garden tools', '', 'Paid in full on 12 March']),
      section('Notes', LOREM),
      await scannedPage(['Delivered to the allotment shed']),
    ], SMALL_PAGES);
    const doc = await parse(bytes, testParseContext({ ocr }));
    expect(doc.blocks.map((b) => [b.kind, b.text, b.page])).toEqual([
      ['paragraph', 'Invoice 4471 for garden tools', 1],
      ['paragraph', 'Paid in full on 12 March', 1],
      ['heading', 'Notes', 2],
      ['paragraph', LOREM, 2],
      ['paragraph', 'Second paragraph of Notes.', 2],
      ['paragraph', 'Delivered to the allotment shed', 3],
    ]);
    expect(doc.metadata).toMatchObject({ pageCount: 3, pagesWithoutText: [1, 3], ocr: 'tesseract.js', ocr_pages: 2 });
  });

  it('reads a wholly scanned PDF through OCR', async () => {
    const bytes = await makePdf([await scannedPage(['Tomatoes need warmth and sun'])], SMALL_PAGES);
    const doc = await parse(bytes, testParseContext({ ocr }));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Tomatoes need warmth and sun', page: 1 }]);
  });

  it('OCRs at most limits.maxOcrPages pages and says how many it skipped', async () => {
    const bytes = await makePdf([await scannedPage(['First scanned page']), await scannedPage(['Second scanned page']), await scannedPage(['Third scanned page'])], SMALL_PAGES);
    const doc = await parse(bytes, testParseContext({ ocr, limits: { maxOcrPages: 1 } as ParseContext['limits'] }));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'First scanned page', page: 1 }]);
    expect(doc.metadata).toMatchObject({ pagesWithoutText: [1, 2, 3], ocr_pages: 1, ocr_pages_skipped: 2 });
  });

  it('renders pages at 200 dpi, and oversized pages at most 5000 px on their long side', async () => {
    const engine = measuringOcr();
    const blank: Draw = (d) => d.rect(50, 50, 200, 100).fill('#336699');
    const doc = new PDFDocument({ autoFirstPage: false });
    const parts: Buffer[] = [];
    doc.on('data', (b: Buffer) => parts.push(b));
    const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(parts))));
    doc.addPage({ size: 'LETTER' });
    blank(doc);
    doc.addPage({ size: [14_400, 7200] });
    blank(doc);
    doc.end();
    const err = await failure(parse(await done, testParseContext({ ocr: engine })));
    expect(engine.sizes).toEqual([
      [1700, 2200],
      [5000, 2500],
    ]);
    expect(err.code).toBe('parser.failed');
    expect(err.message).toBe('no text: the PDF has no text layer, and OCR found no readable text on the 2 pages it read');
  });

  it('fails a PDF without any text when OCR is switched off, saying to enable it', async () => {
    const bytes = await makePdf([await scannedPage(['Not read'])]);
    const err = await failure(parse(bytes, testParseContext({ ocr: null })));
    expect(err.code).toBe('parser.failed');
    expect(err.message).toBe(NO_TEXT_LAYER);
    expect(err.message).toMatch(/enable OCR/);
  });

  it('fails a PDF without any text when pdftoppm is missing, naming the package to install', async () => {
    const bytes = await makePdf([await scannedPage(['Not read'])]);
    const err = await failure(parse(bytes, testParseContext({ ocr, tools: new ProcessToolRunner('/nonexistent') })));
    expect(err.code).toBe('parser.tool_missing');
    expect(err.message).toMatch(/pdftoppm.*apt-get install poppler-utils/);
  });

  it('keeps the text of a partly scanned PDF when OCR cannot run, and says why in metadata', async () => {
    const bytes = await makePdf([section('Intro', LOREM), await scannedPage(['Not read'])]);
    const off = await parse(bytes, testParseContext({ ocr: null }));
    expect(off.metadata).toMatchObject({ pagesWithoutText: [2], ocr: 'off' });
    const missing = await parse(bytes, testParseContext({ ocr, tools: new ProcessToolRunner('/nonexistent') }));
    expect(missing.metadata).toMatchObject({ pagesWithoutText: [2], ocr: 'unavailable: pdftoppm is not installed (poppler-utils)' });
    expect(missing.blocks.every((b) => b.page === 1)).toBe(true);
  });
});
