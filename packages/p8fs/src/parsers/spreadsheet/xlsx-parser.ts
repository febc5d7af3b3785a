import type { Workbook, Worksheet } from 'exceljs';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Block, Parser } from '../../ports/parser.js';
import { cellText } from './cell-text.js';
import { tableBlocks } from './table-blocks.js';

/** What metadata.sheets records for each worksheet, empty ones included. */
export interface SheetInfo {
  name: string;
  rows: number;
  columns: number;
  state: 'visible' | 'hidden';
}

// OLE compound file signature: legacy .xls, and the envelope Excel wraps an encrypted workbook in.
const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);
// The stream an encrypted OOXML package keeps its key data in; CFB stores names as UTF-16LE.
const ENCRYPTION_INFO = Buffer.from('EncryptionInfo', 'utf16le');

/**
 * XLSX/XLSM: each worksheet becomes a level-2 heading (its name) and Markdown table blocks that
 * repeat the header row. Hidden sheets are kept (they are the owner's data, often the lookup tables
 * the visible ones cite); "very hidden" sheets, reachable only from VBA, are machinery and skipped.
 */
export const xlsxParser: Parser = {
  id: 'xlsx',
  version: 1,
  mediaTypes: [
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    'application/vnd.ms-excel.sheet.macroEnabled.12',
    // file-type reports the macro-enabled type lower-cased; the registry compares exactly.
    'application/vnd.ms-excel.sheet.macroenabled.12',
  ],
  extensions: ['.xlsx', '.xlsm'],
  async parse({ bytes, name }) {
    const workbook = await load(bytes, name);
    const blocks: Block[] = [];
    const sheets: SheetInfo[] = [];
    for (const sheet of workbook.worksheets) {
      if (sheet.state === 'veryHidden') continue;
      const table = tableBlocks(sheetCells(sheet));
      sheets.push({ name: sheet.name, ...table.shape, state: sheet.state === 'hidden' ? 'hidden' : 'visible' });
      if (table.blocks.length === 0) continue;
      blocks.push({ kind: 'heading', level: 2, text: sheet.name }, ...table.blocks);
    }
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no cell content in any worksheet`, { name });
    // exceljs types title as string, but it is undefined when the file has no core properties title.
    const title = (workbook.title as string | undefined)?.trim() ?? '';
    return { title: title === '' ? null : title, blocks, metadata: { sheets } };
  },
};

async function load(bytes: Buffer, name: string): Promise<Workbook> {
  if (bytes.subarray(0, CFB_SIGNATURE.length).equals(CFB_SIGNATURE)) {
    const reason = bytes.includes(ENCRYPTION_INFO)
      ? 'the workbook is password-protected (encrypted); remove the password in Excel and upload it again'
      : 'it is a legacy binary Excel (.xls) file, not an XLSX workbook';
    throw new AppError('parser.failed', `cannot read ${name}: ${reason}`, { name });
  }
  // Loaded here, not at module top: exceljs is large and most ingests never see a spreadsheet.
  const ExcelJS = (await import('exceljs')).default;
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs's Buffer type predates Node 20's generic Buffer; the bytes are the same.
    await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new AppError('parser.failed', `not a readable XLSX workbook: ${errorMessage(err)}`, { name, cause: errorMessage(err) });
  }
  return workbook;
}

/** The sheet's used range as text, row by row; exceljs numbers rows and columns from 1. */
function sheetCells(sheet: Worksheet): string[][] {
  const rows: string[][] = [];
  sheet.eachRow({ includeEmpty: false }, (row) => {
    const cells: string[] = [];
    row.eachCell({ includeEmpty: false }, (cell, col) => {
      cells[col - 1] = cellText(cell.value);
    });
    rows.push(Array.from(cells, (c) => c ?? ''));
  });
  return rows;
}
