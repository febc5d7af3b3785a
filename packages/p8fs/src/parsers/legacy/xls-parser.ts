import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { Block, ParseContext, Parser } from '../../ports/parser.js';
import { readDelimited } from '../spreadsheet/delimited.js';
import { tableBlocks } from '../spreadsheet/table-blocks.js';
import type { SheetInfo } from '../spreadsheet/xlsx-parser.js';
import { type BiffSheet, readBiffWorkbook } from './biff.js';
import { type CompoundFile, corrupt, openCompoundFile } from './cfb.js';
import { summaryInfo } from './summary-info.js';

const XLS2CSV_TIMEOUT_MS = 120_000;
const XLS2CSV_MEMORY_MB = 1024;
const MAX_CSV_BYTES = 256 * 1024 * 1024;
const SHEET_BREAK = '\f';

/**
 * Excel 97-2003 (.xls/.xlt): cell values through catdoc's xls2csv, which formats numbers and dates
 * as the sheet does; sheet names, visibility and encryption from the workbook's own BIFF records.
 * Each sheet becomes a level-2 heading and Markdown table blocks, as in the XLSX parser.
 */
export const xlsParser: Parser = {
  id: 'xls',
  version: 1,
  mediaTypes: ['application/vnd.ms-excel'],
  extensions: ['.xls', '.xlt'],
  containers: ['application/x-cfb'],
  async parse({ bytes, name }, ctx) {
    const cfb = openCompoundFile(bytes, name);
    const biffSheets = workbookSheets(cfb, name);
    const sections = await sheetTexts(bytes, name, ctx);
    const names = sectionSheets(biffSheets, sections.length);
    const blocks: Block[] = [];
    const sheets: SheetInfo[] = [];
    for (const [i, text] of sections.entries()) {
      const sheet = names?.[i];
      // Very hidden sheets are reachable only from VBA: machinery, skipped as the XLSX parser does.
      if (sheet?.state === 'veryHidden') continue;
      const table = tableBlocks(readDelimited(text, ','));
      const sheetName = sheet?.name.trim() || `Sheet ${i + 1}`;
      sheets.push({ name: sheetName, ...table.shape, state: sheet?.state === 'hidden' ? 'hidden' : 'visible' });
      if (table.blocks.length === 0) continue;
      blocks.push({ kind: 'heading', level: 2, text: sheetName }, ...table.blocks);
    }
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no cell content in any worksheet`, { name });
    const info = summaryInfo(cfb);
    return { title: info.title ?? null, blocks, metadata: { ...info, sheets } };
  },
};

/** Sheets from the workbook globals; throws parser.encrypted / parser.corrupt before xls2csv runs. */
function workbookSheets(cfb: CompoundFile, name: string): BiffSheet[] {
  const workbook = cfb.stream('Workbook');
  const stream = workbook ?? cfb.stream('Book');
  if (stream === null) {
    if (cfb.stream('EncryptionInfo') !== null) throw encrypted(name);
    throw corrupt(name, 'it has no Workbook stream, so it is not an Excel workbook');
  }
  const book = readBiffWorkbook(stream, workbook !== null);
  if (book.encrypted) throw encrypted(name);
  return book.sheets;
}

const encrypted = (name: string): AppError =>
  new AppError('parser.encrypted', `${name} is password-protected (encrypted); remove the password in Excel and upload it again`, { name });

/** xls2csv's output split into sheets. It reads only files, so the bytes go to the run's scratch folder. */
async function sheetTexts(bytes: Buffer, name: string, ctx: ParseContext): Promise<string[]> {
  const path = join(ctx.tmpDir, `${randomUUID()}.xls`);
  await writeFile(path, bytes);
  try {
    // -q3 quotes every cell, so commas, quotes and line breaks inside cells survive the CSV round trip.
    const result = await ctx.tools.run('xls2csv', ['-q3', '-c,', '-d', 'utf-8', path], {
      timeoutMs: XLS2CSV_TIMEOUT_MS,
      memoryMb: XLS2CSV_MEMORY_MB,
      maxOutputBytes: MAX_CSV_BYTES,
      signal: ctx.signal,
      cwd: ctx.tmpDir,
    });
    const text = result.stdout.toString('utf8');
    // xls2csv exits 0 even when it gives up; an empty output with a complaint is its failure.
    if (result.exitCode !== 0 || (text.trim() === '' && result.stderr.trim() !== '')) {
      throw corrupt(name, `xls2csv could not read it (${result.stderr.trim().split('\n').pop() || `exit ${result.exitCode}`})`);
    }
    // Every sheet with cells ends with a form feed; the text after the last one is empty.
    const parts = text.split(SHEET_BREAK);
    if (parts.length > 1 && parts.at(-1)!.trim() === '') parts.pop();
    return parts;
  } finally {
    await rm(path, { force: true });
  }
}

/**
 * Which sheet each xls2csv section is. xls2csv prints only sheets that have cells, without names,
 * in workbook order; when the counts line up with the worksheets (all, or those with values) the
 * names are known. Otherwise null, and sections are numbered instead of guessed at.
 */
function sectionSheets(sheets: BiffSheet[], sections: number): BiffSheet[] | null {
  const worksheets = sheets.filter((s) => s.kind === 0);
  const withValues = worksheets.filter((s) => s.hasValues);
  if (withValues.length === sections) return withValues;
  if (worksheets.length === sections) return worksheets;
  return null;
}
