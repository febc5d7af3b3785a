import { decodeCodepage } from './summary-info.js';

// Just enough BIFF5/BIFF8 ([MS-XLS]) to learn what xls2csv does not print: sheet names, their
// visibility, which ones hold cells, and whether the workbook is encrypted. Cell values come from
// xls2csv; this reads only record headers and a few small records.

/** One BOUNDSHEET record: a sheet in workbook order. */
export interface BiffSheet {
  name: string;
  state: 'visible' | 'hidden' | 'veryHidden';
  /** 0 worksheet (or dialog), 1 Excel 4 macro sheet, 2 chart, 6 VBA module. */
  kind: number;
  /** Whether its substream has at least one cell value record. */
  hasValues: boolean;
}

export interface BiffWorkbook {
  encrypted: boolean;
  sheets: BiffSheet[];
}

const BOF = 0x0809;
const EOF = 0x000a;
const FILEPASS = 0x002f;
const BOUNDSHEET = 0x0085;
const CODEPAGE = 0x0042;
// NUMBER, RK, MULRK, LABELSST, LABEL, RSTRING, FORMULA, BOOLERR: the records that put a value in a cell.
const VALUE_RECORDS = new Set([0x0203, 0x027e, 0x00bd, 0x00fd, 0x0204, 0x00d6, 0x0006, 0x0205]);
const STATES = ['visible', 'hidden', 'veryHidden'] as const;

/** The workbook globals of a Workbook (BIFF8) or Book (BIFF5) stream. Stops quietly at damage. */
export function readBiffWorkbook(stream: Buffer, biff8: boolean): BiffWorkbook {
  const out: BiffWorkbook = { encrypted: false, sheets: [] };
  const positions: number[] = [];
  let codepage = 1252;
  for (let at = 0; at + 4 <= stream.length; ) {
    const type = stream.readUInt16LE(at);
    const length = stream.readUInt16LE(at + 2);
    const body = stream.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (type === FILEPASS) out.encrypted = true;
    else if (type === CODEPAGE && body.length >= 2) codepage = body.readUInt16LE(0);
    else if (type === BOUNDSHEET && body.length >= 7) {
      positions.push(body.readUInt32LE(0));
      out.sheets.push({
        name: sheetName(body.subarray(6), biff8, codepage),
        state: STATES[body[4]! & 0x03] ?? 'visible',
        kind: body[5]!,
        hasValues: false,
      });
    } else if (type === EOF) break;
  }
  for (const [i, sheet] of out.sheets.entries()) sheet.hasValues = hasValues(stream, positions[i]!);
  return out;
}

function sheetName(raw: Buffer, biff8: boolean, codepage: number): string {
  const count = raw[0] ?? 0;
  if (!biff8) return decodeCodepage(raw.subarray(1, 1 + count), codepage);
  // ShortXLUnicodeString: fHighByte set means UTF-16LE, clear means one byte per character (Latin-1).
  const wide = ((raw[1] ?? 0) & 0x01) !== 0;
  return wide ? raw.toString('utf16le', 2, 2 + count * 2) : raw.toString('latin1', 2, 2 + count);
}

/** Whether the substream starting at a sheet's BOF holds any cell value before its EOF. */
function hasValues(stream: Buffer, start: number): boolean {
  if (start + 4 > stream.length || stream.readUInt16LE(start) !== BOF) return false;
  // Embedded charts nest their own BOF..EOF inside the sheet's substream.
  let depth = 0;
  for (let at = start; at + 4 <= stream.length; ) {
    const type = stream.readUInt16LE(at);
    at += 4 + stream.readUInt16LE(at + 2);
    if (type === BOF) depth++;
    else if (type === EOF && --depth === 0) return false;
    else if (depth === 1 && VALUE_RECORDS.has(type)) return true;
  }
  return false;
}
