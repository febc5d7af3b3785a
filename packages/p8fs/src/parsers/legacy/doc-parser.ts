import { AppError, errorMessage } from '../../domain/errors.js';
import type { Block, ParseContext, Parser } from '../../ports/parser.js';
import { tableBlocks } from '../spreadsheet/table-blocks.js';
import { type CompoundFile, corrupt, openCompoundFile } from './cfb.js';
import { summaryInfo } from './summary-info.js';

// FIB (File Information Block) fields at the start of the WordDocument stream ([MS-DOC] 2.5.2).
const WORD97_IDENT = 0xa5ec;
const WORD6_IDENT = 0xa5dc;
const FIB_FLAGS = 0x0a;
const F_ENCRYPTED = 0x0100;
const CATDOC_TIMEOUT_MS = 60_000;
const CATDOC_MEMORY_MB = 512;
// word-extractor would otherwise turn curly quotes and dashes into ASCII; the text is kept as written.
const RAW = { filterUnicode: false } as const;

/**
 * Word 97-2003 (.doc/.dot): word-extractor reads the text streams in pure JS. Body paragraphs are
 * blocks of their own, Word tables become Markdown tables, and footnotes, endnotes, comments, text
 * boxes and headers/footers follow as sections of their own, so a hit says where it came from.
 * Word 6/95 files, which word-extractor cannot read, go through catdoc instead.
 */
export const docParser: Parser = {
  id: 'doc',
  version: 1,
  mediaTypes: ['application/msword'],
  extensions: ['.doc', '.dot'],
  containers: ['application/x-cfb'],
  async parse({ bytes, name }, ctx) {
    const cfb = openCompoundFile(bytes, name);
    const fib = wordStream(cfb, name);
    const ident = fib.readUInt16LE(0);
    if ((fib.readUInt16LE(FIB_FLAGS) & F_ENCRYPTED) !== 0) {
      throw new AppError('parser.encrypted', `${name} is password-protected (encrypted); remove the password in Word and upload it again`, { name });
    }
    const info = summaryInfo(cfb);
    let blocks: Block[];
    if (ident === WORD97_IDENT) blocks = await word97Blocks(bytes, name);
    else if (ident === WORD6_IDENT) blocks = textBlocks(await catdocText(bytes, name, ctx));
    else throw corrupt(name, `the WordDocument stream has an unknown identifier 0x${ident.toString(16)}`);
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no text`, { name });
    return { title: info.title ?? null, blocks, metadata: { ...info, format: ident === WORD97_IDENT ? 'Word 97-2003' : 'Word 6.0/95' } };
  },
};

function wordStream(cfb: CompoundFile, name: string): Buffer {
  const stream = cfb.stream('WordDocument');
  if (stream !== null && stream.length >= 0x20) return stream;
  // Encrypted OOXML (.docx with a password) is a compound file too, named .doc by some senders.
  if (cfb.stream('EncryptionInfo') !== null) throw new AppError('parser.encrypted', `${name} is a password-protected (encrypted) Office document; remove the password and upload it again`, { name });
  throw corrupt(name, stream === null ? 'it has no WordDocument stream, so it is not a Word document' : 'its WordDocument stream is truncated');
}

async function word97Blocks(bytes: Buffer, name: string): Promise<Block[]> {
  // Loaded on first use: most ingests never see a .doc.
  const { default: WordExtractor } = await import('word-extractor');
  let doc: Awaited<ReturnType<InstanceType<typeof WordExtractor>['extract']>>;
  try {
    doc = await new WordExtractor().extract(bytes);
  } catch (err) {
    throw corrupt(name, `its Word text streams are damaged (${errorMessage(err)})`);
  }
  const blocks = textBlocks(doc.getBody(RAW));
  const sections: [string, string][] = [
    ['Footnotes', doc.getFootnotes(RAW)],
    ['Endnotes', doc.getEndnotes(RAW)],
    ['Comments', doc.getAnnotations(RAW)],
    ['Text boxes', doc.getTextboxes({ ...RAW, includeHeadersAndFooters: false, includeBody: true })],
    ['Headers', doc.getHeaders({ ...RAW, includeFooters: false })],
    ['Footers', doc.getFooters(RAW)],
  ];
  for (const [heading, text] of sections) {
    // Headers and footers that hold only a page number field carry nothing to search for.
    if (!/\p{L}/u.test(text)) continue;
    blocks.push({ kind: 'heading', level: 2, text: heading }, ...textBlocks(text));
  }
  return blocks;
}

async function catdocText(bytes: Buffer, name: string, ctx: ParseContext): Promise<string> {
  // -w: keep each paragraph on one line instead of wrapping at 72 columns.
  const result = await ctx.tools.run('catdoc', ['-d', 'utf-8', '-w'], { input: bytes, timeoutMs: CATDOC_TIMEOUT_MS, memoryMb: CATDOC_MEMORY_MB, signal: ctx.signal, cwd: ctx.tmpDir });
  if (result.exitCode !== 0) throw corrupt(name, `catdoc could not read it (${result.stderr.trim() || `exit ${result.exitCode}`})`);
  return result.stdout.toString('utf8');
}

/**
 * Word text as blocks: one paragraph per line (Word ends every paragraph with a paragraph mark),
 * and runs of table rows as Markdown tables. word-extractor ends each table cell with a tab, so a
 * row reads "cell\tcell\t"; a lone line ending in a tab is only a table when it has two cells.
 */
export function textBlocks(text: string): Block[] {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; ) {
    let end = i;
    while (end < lines.length && isTableRow(lines[end]!)) end++;
    const rows = lines.slice(i, end).map((l) => l.slice(0, -1).split('\t'));
    if (rows.length >= 2 || (rows.length === 1 && rows[0]!.length >= 2)) {
      blocks.push(...tableBlocks(rows).blocks);
      i = end;
      continue;
    }
    const line = lines[i]!.replace(/[\t ]+/g, ' ').trim();
    if (line !== '') blocks.push({ kind: 'paragraph', text: line });
    i++;
  }
  return blocks;
}

// A row of empty cells is still a row ("\t\t\t"); a lone tab is not.
const isTableRow = (line: string): boolean => line.endsWith('\t') && (line.trim() !== '' || line.length >= 2);
