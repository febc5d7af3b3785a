import JSZip from 'jszip';
import { describe, expect, it } from 'vitest';
import { corpusGoldenTests, parseCorpusFile } from '../shared/corpus.fixture.js';
import { SHEET_ROWS_PER_BLOCK, odpParser, odsParser, odtParser } from './odf-parsers.js';

describe('ODF parsers on the docs-corpus', () => {
  corpusGoldenTests({ odt: odtParser, ods: odsParser, odp: odpParser });
});

const NS = 'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"';
const row = (...cells: string[]) => `<table:table-row>${cells.map((c) => `<table:table-cell><text:p>${c}</text:p></table:table-cell>`).join('')}</table:table-row>`;

/** A minimal ODS: one sheet with a header and `n` data rows, then a million repeated empty rows as LibreOffice writes. */
async function makeOds(n: number, manifest = ''): Promise<Buffer> {
  const zip = new JSZip();
  const rows = Array.from({ length: n }, (_, i) => row(`r${i + 1}`, String(i * 2)));
  const empty = '<table:table-row table:number-rows-repeated="1048000"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>';
  zip.file('content.xml', `<office:document-content ${NS}><office:body><office:spreadsheet><table:table table:name="Ducks">${row('Name', 'Count')}${rows.join('')}${empty}</table:table></office:spreadsheet></office:body></office:document-content>`);
  if (manifest !== '') zip.file('META-INF/manifest.xml', manifest);
  return zip.generateAsync({ type: 'nodebuffer' });
}

describe('odsParser', () => {
  it('splits a sheet into table blocks of at most 40 rows, each repeating the header', async () => {
    const doc = await odsParser.parse({ bytes: await makeOds(85), name: 'd.ods', mimeType: '' });
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 2, text: 'Ducks' });
    const tables = doc.blocks.slice(1);
    expect(tables.map((t) => t.text.split('\n').length - 2)).toEqual([SHEET_ROWS_PER_BLOCK, SHEET_ROWS_PER_BLOCK, 5]);
    for (const t of tables) expect(t.text.split('\n')[0]).toBe('| Name | Count |');
    expect(tables[2]!.text.split('\n').at(-1)).toBe('| r85 | 168 |');
  });

  it('refuses an encrypted file by name', async () => {
    const manifest = '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data/></manifest:file-entry></manifest:manifest>';
    await expect(odsParser.parse({ bytes: await makeOds(1, manifest), name: 'd.ods', mimeType: '' })).rejects.toMatchObject({
      code: 'parser.failed',
      message: 'not a readable ODS: the file is encrypted (password-protected)',
    });
  });

  it('refuses a corrupt zip', async () => {
    await expect(odtParser.parse({ bytes: Buffer.from('not a zip at all'), name: 'x.odt', mimeType: '' })).rejects.toMatchObject({
      code: 'parser.failed',
      message: expect.stringMatching(/^not a readable ODT: corrupt or not a ZIP container/),
    });
  });
});

describe('odtParser / odpParser', () => {
  it('keeps ODT heading levels and nested lists', async () => {
    const doc = await parseCorpusFile(odtParser, 'docling/sources/text_document_01.odt');
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: 'Heading level 2: A' });
    expect(doc.blocks.some((b) => b.kind === 'list' && b.text.includes('    - bullet list 2.2.1'))).toBe(true);
  });

  it('numbers ODP slides as pages and keeps speaker notes', async () => {
    const doc = await parseCorpusFile(odpParser, 'docling/sources/odf_presentation_01.odp');
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => [b.text, b.page])).toEqual([
      ['Slide 1: Test Table Slide', 1],
      ['Slide 2: Second slide title', 2],
      ['Slide 3', 3],
    ]);
    expect(doc.blocks).toContainEqual({ kind: 'quote', text: '> Notes: Some notes on the second slide.', page: 2 });
  });
});
