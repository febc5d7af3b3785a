import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { corpusGoldenTests, parseCorpusFile } from '../shared/corpus.fixture.js';
import { pptxParser } from './pptx-parser.js';

describe('pptxParser on the docs-corpus', () => {
  corpusGoldenTests(
    { pptx: pptxParser },
    {
      'docling/sources/pptx_chart.pptx': {
        floor: 0.85,
        why: 'the ground truth labels charts "Bar chart" / "Other chart" from their chart type; that text is not in the file',
      },
    },
  );
});

describe('pptxParser', () => {
  it('keeps presentation order, slide pages, tables and speaker notes', async () => {
    const doc = await parseCorpusFile(pptxParser, 'docling/sources/powerpoint_sample.pptx');
    const headings = doc.blocks.filter((b) => b.kind === 'heading');
    expect(headings.map((h) => [h.text, h.page])).toEqual([
      ['Slide 1: Test Table Slide', 1],
      ['Slide 2: Second slide title', 2],
      ['Slide 3', 3],
    ]);
    expect(doc.blocks.every((b) => b.page !== undefined)).toBe(true);
    const notes = doc.blocks.filter((b) => b.kind === 'quote' && b.text.startsWith('> Notes:'));
    expect(notes.map((b) => [b.page, b.text])).toEqual([
      [2, '> Notes: Some notes on the second slide.'],
      [3, '> Notes: Final notes on the third slide.\n> Second line of notes.'],
    ]);
    expect(doc.blocks.find((b) => b.kind === 'table')?.text.split('\n')[2]).toBe('|  | A merged with B |  | C | A | B | C |');
    expect(doc.metadata).toMatchObject({ slides: 3, author: 'Maxim Lysak' });
  });

  it('turns charts into tables of their cached values', async () => {
    const doc = await parseCorpusFile(pptxParser, 'docling/sources/pptx_chart.pptx');
    expect(doc.blocks.find((b) => b.kind === 'table' && b.page === 1)?.text).toContain('| 2022 | 175 | 130 |');
  });

  it('refuses a corrupt zip with a clear parser.failed', async () => {
    const err = await pptxParser.parse({ bytes: Buffer.from('PK\x03\x04 truncated garbage'), name: 'x.pptx', mimeType: '' }).catch((e: unknown) => e);
    expect(isAppError(err) && err.code).toBe('parser.failed');
    expect((err as Error).message).toMatch(/^not a readable PPTX: corrupt or not a ZIP container/);
  });

  it('names encryption when given a password-protected (OLE-wrapped) file', async () => {
    const ole = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
    await expect(pptxParser.parse({ bytes: ole, name: 'x.pptx', mimeType: '' })).rejects.toMatchObject({ code: 'parser.failed', message: expect.stringContaining('encrypted') });
  });
});
