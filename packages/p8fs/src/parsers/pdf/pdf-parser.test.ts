import PDFDocument from 'pdfkit';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../domain/chunking.js';
import { AppError } from '../../domain/errors.js';
import type { ParsedDocument } from '../../ports/parser.js';
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

const parse = (bytes: Buffer): Promise<ParsedDocument> => pdfParser.parse({ bytes, name: 'doc.pdf', mimeType: 'application/pdf' });

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

  it('fails with parser.failed and a clear reason on a truncated PDF', async () => {
    const bytes = await makePdf([section('Planting', LOREM)]);
    const err = await failure(parse(bytes.subarray(0, Math.floor(bytes.length / 3))));
    expect(err.code).toBe('parser.failed');
    expect(err.message).toMatch(/PDF/);
  });

  it('fails with parser.failed on bytes that are not a PDF at all', async () => {
    const err = await failure(parse(Buffer.from('just some text pretending to be a pdf')));
    expect(err.code).toBe('parser.failed');
    expect(err.message).toMatch(/not a valid PDF|could not open PDF/);
  });

  it('fails with parser.failed on an encrypted PDF', async () => {
    const bytes = await makePdf([section('Secret', LOREM)], { userPassword: 'hunter2', ownerPassword: 'owner', pdfVersion: '1.7' });
    const err = await failure(parse(bytes));
    expect(err.code).toBe('parser.failed');
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
});
