import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { chunkDocument } from '../../domain/chunking.js';
import { AppError } from '../../domain/errors.js';
import type { Block } from '../../ports/parser.js';
import { MAX_TABLE_ROWS } from './table-blocks.js';
import { xlsxParser } from './xlsx-parser.js';

/** A workbook made in memory: a small sheet with a formula, a date, a pipe and rich text; a 500-row sheet; hidden and empty sheets. */
async function makeWorkbook(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const people = wb.addWorksheet('People');
  people.addRow([]); // a blank first row: the header is the first non-empty one
  people.addRow(['Name', 'Born', 'Score', 'Double']);
  people.addRow(['Ada | Lovelace', new Date(Date.UTC(1815, 11, 10)), 42, { formula: 'C3*2', result: 84 }]);
  people.addRow([{ richText: [{ text: 'Grace ' }, { text: 'Hopper', font: { bold: true } }] }, new Date(Date.UTC(1906, 11, 9, 13, 45)), 0.1 + 0.2, { formula: 'C4*2' }]);
  const big = wb.addWorksheet('Big');
  big.addRow(['Id', 'Item']);
  for (let i = 1; i <= 500; i++) big.addRow([i, `item-${i}`]);
  wb.addWorksheet('Lookup', { state: 'hidden' }).addRow(['Code', 'Meaning']);
  wb.addWorksheet('Macros', { state: 'veryHidden' }).addRow(['internal_marker']);
  wb.addWorksheet('Empty');
  return Buffer.from(await wb.xlsx.writeBuffer());
}

const parse = (bytes: Buffer, name = 'book.xlsx') =>
  xlsxParser.parse({ bytes, name, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' });

const failure = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => null,
    (e: unknown) => e,
  );

const tables = (blocks: Block[], from: number): Block[] => {
  const rest = blocks.slice(from + 1);
  const end = rest.findIndex((b) => b.kind === 'heading');
  return end === -1 ? rest : rest.slice(0, end);
};

describe('xlsxParser', () => {
  it('renders each sheet as a heading and a Markdown table with header, cached results, ISO dates and escaped pipes', async () => {
    const doc = await parse(await makeWorkbook());
    expect(doc.blocks.slice(0, 2)).toEqual([
      { kind: 'heading', level: 2, text: 'People' },
      {
        kind: 'table',
        text: [
          '| Name | Born | Score | Double |',
          '| --- | --- | --- | --- |',
          '| Ada \\| Lovelace | 1815-12-10 | 42 | 84 |',
          '| Grace Hopper | 1906-12-09T13:45:00 | 0.3 | =C4*2 |',
        ].join('\n'),
      },
    ]);
  });

  it('splits a 500-row sheet into bounded table blocks that each repeat the header', async () => {
    const doc = await parse(await makeWorkbook());
    const at = doc.blocks.findIndex((b) => b.kind === 'heading' && b.text === 'Big');
    const blocks = tables(doc.blocks, at);
    expect(blocks.length).toBeGreaterThanOrEqual(500 / MAX_TABLE_ROWS);
    const dataRows: string[] = [];
    for (const b of blocks) {
      expect(b.kind).toBe('table');
      const lines = b.text.split('\n');
      expect(lines.slice(0, 2)).toEqual(['| Id | Item |', '| --- | --- |']);
      expect(lines.length - 2).toBeLessThanOrEqual(MAX_TABLE_ROWS);
      dataRows.push(...lines.slice(2));
    }
    // Every row once, in order: splitting neither drops nor repeats data.
    expect(dataRows).toEqual(Array.from({ length: 500 }, (_, i) => `| ${i + 1} | item-${i + 1} |`));
    // Each block fits a chunk on its own, so no chunk loses the header.
    for (const c of chunkDocument({ title: null, blocks, metadata: {} }, { chunkTokens: 512, overlapTokens: 64 })) {
      expect(c.text).toContain('| Id | Item |');
    }
  });

  it('keeps hidden sheets, skips very hidden and empty ones, and records every sheet in metadata', async () => {
    const doc = await parse(await makeWorkbook());
    const headings = doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text);
    expect(headings).toEqual(['People', 'Big', 'Lookup']);
    expect(JSON.stringify(doc.blocks)).not.toContain('internal_marker');
    expect(doc.metadata).toEqual({
      sheets: [
        { name: 'People', rows: 3, columns: 4, state: 'visible' },
        { name: 'Big', rows: 501, columns: 2, state: 'visible' },
        { name: 'Lookup', rows: 1, columns: 2, state: 'hidden' },
        { name: 'Empty', rows: 0, columns: 0, state: 'visible' },
      ],
    });
  });

  it('fails with parser.failed on a corrupt workbook', async () => {
    const good = await makeWorkbook();
    const err = await failure(parse(good.subarray(0, Math.floor(good.length / 2))));
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'parser.failed', message: expect.stringContaining('not a readable XLSX workbook') });
  });

  it('says a password-protected workbook is encrypted instead of failing obscurely', async () => {
    // Excel wraps an encrypted workbook in an OLE compound file holding an EncryptionInfo stream.
    const cfb = Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), Buffer.alloc(512), Buffer.from('EncryptionInfo', 'utf16le'), Buffer.alloc(64)]);
    const err = await failure(parse(cfb, 'secret.xlsx'));
    expect(err).toMatchObject({ code: 'parser.failed', message: expect.stringContaining('password-protected') });
  });

  it('fails with parser.failed when no sheet has any cell', async () => {
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet('Blank');
    const err = await failure(parse(Buffer.from(await wb.xlsx.writeBuffer())));
    expect(err).toMatchObject({ code: 'parser.failed', message: expect.stringContaining('no cell content') });
  });
});
