import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { csvParser, decodeDelimitedText } from './csv-parser.js';
import { readDelimited, sniffDelimiter } from './delimited.js';
import { MAX_TABLE_ROWS } from './table-blocks.js';

const parse = (text: string | Buffer, name = 'data.csv', mimeType = 'text/csv') =>
  csvParser.parse({ bytes: typeof text === 'string' ? Buffer.from(text) : text, name, mimeType });

describe('readDelimited', () => {
  it('handles quoted delimiters, doubled quotes, embedded newlines and CRLF', () => {
    const text = 'a,b,c\r\n"x, y","say ""hi""","line1\nline2"\r\n1,,3';
    expect(readDelimited(text, ',')).toEqual([
      ['a', 'b', 'c'],
      ['x, y', 'say "hi"', 'line1\nline2'],
      ['1', '', '3'],
    ]);
  });

  it('adds no empty record for a trailing line break', () => {
    expect(readDelimited('a,b\n1,2\n', ',')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });
});

describe('sniffDelimiter', () => {
  it('picks the delimiter that splits every record alike', () => {
    expect(sniffDelimiter('name;note\nAda;"one, two, three"\nBob;x')).toBe(';');
    expect(sniffDelimiter('a\tb\tc\n1\t2\t3')).toBe('\t');
    expect(sniffDelimiter('a,b\n1,2')).toBe(',');
  });
});

describe('csvParser', () => {
  it('renders a Markdown table with escaped pipes and flattened line breaks', async () => {
    const doc = await parse('Name,Note\n"Ada","a | b"\nBob,"two\nlines"\n');
    expect(doc.blocks).toEqual([{ kind: 'table', text: '| Name | Note |\n| --- | --- |\n| Ada | a \\| b |\n| Bob | two lines |' }]);
    expect(doc.metadata).toMatchObject({ delimiter: ',', rows: 3, columns: 2 });
  });

  it('reads TSV by extension even when commas are everywhere', async () => {
    const doc = await parse('k\tv\nx,y\t1,2\n', 'data.tsv', 'text/tab-separated-values');
    expect(doc.blocks[0]!.text).toBe('| k | v |\n| --- | --- |\n| x,y | 1,2 |');
  });

  it('splits many rows into blocks that each repeat the header', async () => {
    const rows = Array.from({ length: 500 }, (_, i) => `${i},v${i}`);
    const doc = await parse(['id,val', ...rows].join('\n'));
    expect(doc.blocks.length).toBeGreaterThanOrEqual(500 / MAX_TABLE_ROWS);
    for (const b of doc.blocks) expect(b.text.startsWith('| id | val |\n| --- | --- |\n')).toBe(true);
    expect(doc.blocks.flatMap((b) => b.text.split('\n').slice(2))).toHaveLength(500);
  });

  it('decodes Shift_JIS, which Japanese Excel writes, and keeps latin1 for Western bytes', () => {
    const sjis = Buffer.from('96bc914f2c944e97ee0d0a', 'hex'); // 名前,年齢
    expect(decodeDelimitedText(sjis)).toEqual({ text: '名前,年齢\r\n', encoding: 'shift_jis' });
    const latin1 = Buffer.from('Ren\xe9,\xc9mile\n', 'latin1');
    expect(decodeDelimitedText(latin1)).toEqual({ text: 'René,Émile\n', encoding: 'latin1' });
  });

  it('fails with parser.failed on a file of empty records', async () => {
    const err = await parse(',,\n\n,\n').then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'parser.failed' });
  });
});
