import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { ProcessToolRunner } from '../../adapters/tools/process-tool-runner.js';
import { AppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { CORPUS } from '../shared/corpus.fixture.js';
import { CFB_SIGNATURE, openCompoundFile } from './cfb.js';
import { docParser, textBlocks } from './doc-parser.js';
import { pptParser } from './ppt-parser.js';
import { xlsParser } from './xls-parser.js';

const sample = (ext: 'doc' | 'ppt' | 'xls'): Buffer => readFileSync(resolve(CORPUS, `docling/sources/legacy_sample.${ext}`));
const PARSERS = { doc: docParser, ppt: pptParser, xls: xlsParser } as const;

async function failure(parser: Parser, bytes: Buffer, name: string, ctx = testParseContext()): Promise<AppError> {
  const err = await parser.parse({ bytes, name, mimeType: parser.mediaTypes[0]! }, ctx).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

/** Offset in the file of the first sector that starts with the given bytes (a stream's first sector). */
function sectorStarting(file: Buffer, prefix: number[]): number {
  const want = Buffer.from(prefix);
  for (let at = 512; at + want.length <= file.length; at += 512) if (file.subarray(at, at + want.length).equals(want)) return at;
  throw new Error('no such sector');
}

/** The sample with its FIB identifier changed to Word 6's, which word-extractor refuses and catdoc reads. */
function word6Sample(): Buffer {
  const bytes = Buffer.from(sample('doc'));
  bytes.writeUInt16LE(0xa5dc, sectorStarting(bytes, [0xec, 0xa5]));
  return bytes;
}

describe('legacy Office parsers: failures', () => {
  it.each(Object.entries(PARSERS))('%s: bytes that are not a compound file are parser.corrupt', async (ext, parser) => {
    const err = await failure(parser, Buffer.from('plain text, not an Office file'), `x.${ext}`);
    expect(err.code).toBe('parser.corrupt');
    expect(err.message).toMatch(/not an OLE compound file/);
  });

  it.each(Object.entries(PARSERS))('%s: random bytes behind a CFB header are parser.corrupt', async (ext, parser) => {
    const bytes = Buffer.alloc(8192);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 251;
    CFB_SIGNATURE.copy(bytes, 0);
    const err = await failure(parser, bytes, `x.${ext}`);
    expect(err.code).toBe('parser.corrupt');
  });

  it.each(Object.entries(PARSERS))('%s: a truncated file is parser.corrupt', async (ext, parser) => {
    const whole = sample(ext as 'doc');
    for (const length of [300, 3000, Math.floor(whole.length / 2)]) {
      const err = await failure(parser, whole.subarray(0, length), `x.${ext}`);
      expect(err.code, `truncated at ${length}: ${err.message}`).toBe('parser.corrupt');
    }
  });

  it('a compound file of another kind is parser.corrupt naming what is missing', async () => {
    const err = await failure(docParser, sample('xls'), 'book.doc');
    expect(err.code).toBe('parser.corrupt');
    expect(err.message).toMatch(/no WordDocument stream/);
    expect((await failure(xlsParser, sample('doc'), 'x.xls')).message).toMatch(/no Workbook stream/);
    expect((await failure(pptParser, sample('doc'), 'x.ppt')).message).toMatch(/PowerPoint Document/);
  });

  it('an encrypted Word document (FIB fEncrypted) is parser.encrypted', async () => {
    const bytes = Buffer.from(sample('doc'));
    const fib = sectorStarting(bytes, [0xec, 0xa5]);
    bytes.writeUInt16LE(bytes.readUInt16LE(fib + 0x0a) | 0x0100, fib + 0x0a);
    const err = await failure(docParser, bytes, 'secret.doc');
    expect(err.code).toBe('parser.encrypted');
  });

  it('an encrypted workbook (FILEPASS record) is parser.encrypted', async () => {
    const bytes = Buffer.from(sample('xls'));
    // Turn the first record after the globals BOF into a FILEPASS, as Excel writes it.
    const bof = sectorStarting(bytes, [0x09, 0x08]);
    const next = bof + 4 + bytes.readUInt16LE(bof + 2);
    bytes.writeUInt16LE(0x002f, next);
    const err = await failure(xlsParser, bytes, 'secret.xls');
    expect(err.code).toBe('parser.encrypted');
  });

  it('an encrypted presentation (Current User token) is parser.encrypted', async () => {
    const bytes = Buffer.from(sample('ppt'));
    const token = bytes.indexOf(Buffer.from([0x5f, 0xc0, 0x91, 0xe3]));
    expect(token).toBeGreaterThan(0);
    bytes.writeUInt32LE(0xf3d1c4df, token);
    const err = await failure(pptParser, bytes, 'secret.ppt');
    expect(err.code).toBe('parser.encrypted');
  });

  it('a Word 6/95 document without catdoc installed is parser.tool_missing', async () => {
    const err = await failure(docParser, word6Sample(), 'old.doc', testParseContext({ tools: new ProcessToolRunner('/nonexistent') }));
    expect(err.code).toBe('parser.tool_missing');
    expect(err.message).toContain('apt-get install catdoc');
  });

  it('xls without catdoc installed is parser.tool_missing naming the package', async () => {
    const err = await failure(xlsParser, sample('xls'), 'ducks.xls', testParseContext({ tools: new ProcessToolRunner('/nonexistent') }));
    expect(err.code).toBe('parser.tool_missing');
    expect(err.message).toContain('apt-get install catdoc');
  });
});

describe('legacy Office parsers: content', () => {
  it('reads a compound file directory and its streams', () => {
    const cfb = openCompoundFile(sample('xls'), 'ducks.xls');
    expect(cfb.names).toEqual(expect.arrayContaining(['Workbook']));
    expect(cfb.stream('workbook')?.readUInt16LE(0)).toBe(0x0809);
    expect(cfb.stream('nope')).toBeNull();
  });

  it('doc: paragraphs, a Markdown table, metadata', async () => {
    const doc = await docParser.parse({ bytes: sample('doc'), name: 'legacy_sample.doc', mimeType: 'application/msword' }, testParseContext());
    expect(doc.blocks[0]).toEqual({ kind: 'paragraph', text: 'Summer activities' });
    expect(doc.blocks).toContainEqual({ kind: 'paragraph', text: 'Let’s swim!' });
    const table = doc.blocks.find((b) => b.kind === 'table');
    expect(table?.text.split('\n')).toEqual([
      '|  | Food | Calories per portion |',
      '| --- | --- | --- |',
      '| Leaves | Ash, Elm, Maple | 50 |',
      '| Berries | Blueberry, Strawberry, Cranberry | 150 |',
      '| Grain | Corn, Buckwheat, Barley | 200 |',
    ]);
    // The header and footer hold only a page number: nothing to index.
    expect(doc.blocks.some((b) => b.kind === 'heading')).toBe(false);
    expect(doc.metadata).toMatchObject({ author: 'Christoph Auer', format: 'Word 97-2003' });
  });

  it('doc: a Word 6/95 document is read through catdoc', async () => {
    const doc = await docParser.parse({ bytes: word6Sample(), name: 'old.doc', mimeType: 'application/msword' }, testParseContext());
    expect(doc.blocks.map((b) => b.text)).toEqual(expect.arrayContaining(['Summer activities', 'I like to eat leaves']));
    expect(doc.metadata).toMatchObject({ format: 'Word 6.0/95' });
  });

  it('doc text: tab-terminated rows become tables, other lines paragraphs', () => {
    expect(textBlocks('Intro\na\tb\t\nc\td\t\n\nOutro\tend\n')).toEqual([
      { kind: 'paragraph', text: 'Intro' },
      { kind: 'table', text: '| a | b |\n| --- | --- |\n| c | d |' },
      { kind: 'paragraph', text: 'Outro end' },
    ]);
  });

  it('xls: sheet name heading, table, title and sheet metadata', async () => {
    const doc = await xlsParser.parse({ bytes: sample('xls'), name: 'legacy_sample.xls', mimeType: 'application/vnd.ms-excel' }, testParseContext());
    expect(doc.title).toBe('Wild Duck Observations');
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 2, text: 'Duck Observations' });
    expect(doc.blocks[1]?.text).toContain('| 2024 | 180 |');
    expect(doc.metadata.sheets).toEqual([{ name: 'Duck Observations', rows: 8, columns: 2, state: 'visible' }]);
  });

  it('xls: every sheet in workbook order, by name', async () => {
    const bytes = readFileSync(resolve(CORPUS, 'markitdown/sources/test.xls'));
    const doc = await xlsParser.parse({ bytes, name: 'test.xls', mimeType: 'application/vnd.ms-excel' }, testParseContext());
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text)).toEqual(['Sheet1', '09060124-b5e7-4717-9d07-3c046eb']);
  });

  it('ppt: slides in order with titles, table cells and list items', async () => {
    const doc = await pptParser.parse({ bytes: sample('ppt'), name: 'legacy_sample.ppt', mimeType: 'application/vnd.ms-powerpoint' }, testParseContext());
    const headings = doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text);
    expect(headings).toEqual(['Slide 1: Test Table Slide', 'Slide 2: Second slide title', 'Slide 3']);
    const texts = doc.blocks.map((b) => b.text);
    expect(texts).toEqual(expect.arrayContaining(['A merged with B', 'With footnote', 'A rectangle shape with this text inside.', 'Let’s introduce a list', 'l3']));
    // The master's theme name is not slide content.
    expect(texts).not.toContain('Office Theme');
    expect(doc.metadata).toMatchObject({ slides: 3, author: 'Maxim Lysak' });
  });
});
