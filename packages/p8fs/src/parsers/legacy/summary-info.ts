import type { CompoundFile } from './cfb.js';

// The "\x05SummaryInformation" property set (MS-OLEPS) that Office 97-2003 files carry: title,
// author and dates, the legacy counterpart of OOXML's docProps/core.xml. Best effort: a damaged
// property set loses the metadata, never the document.

/** Document properties worth keeping; absent ones are left out. */
export interface SummaryInfo {
  title?: string;
  subject?: string;
  author?: string;
  keywords?: string;
  comments?: string;
  lastModifiedBy?: string;
  created?: string;
  modified?: string;
  application?: string;
}

const STREAM = '\u0005SummaryInformation';
const PID_CODEPAGE = 1;
const STRING_PIDS: Record<number, keyof SummaryInfo> = { 2: 'title', 3: 'subject', 4: 'author', 5: 'keywords', 6: 'comments', 8: 'lastModifiedBy', 18: 'application' };
const DATE_PIDS: Record<number, keyof SummaryInfo> = { 12: 'created', 13: 'modified' };
const VT_I2 = 2;
const VT_LPSTR = 30;
const VT_LPWSTR = 31;
const VT_FILETIME = 64;
// FILETIME counts 100 ns ticks from 1601-01-01; this many milliseconds separate that from 1970.
const EPOCH_1601_MS = 11_644_473_600_000;

/** The summary properties of a compound file; empty when it has none or they cannot be read. */
export function summaryInfo(cfb: CompoundFile): SummaryInfo {
  try {
    const stream = cfb.stream(STREAM);
    return stream === null ? {} : readPropertySet(stream);
  } catch {
    return {};
  }
}

function readPropertySet(buf: Buffer): SummaryInfo {
  if (buf.length < 48 || buf.readUInt16LE(0) !== 0xfffe) return {};
  const section = buf.readUInt32LE(44);
  const count = buf.readUInt32LE(section + 4);
  const props = new Map<number, number>();
  for (let i = 0; i < Math.min(count, 1000); i++) props.set(buf.readUInt32LE(section + 8 + i * 8), section + buf.readUInt32LE(section + 12 + i * 8));
  const codepageAt = props.get(PID_CODEPAGE);
  const codepage = codepageAt !== undefined && buf.readUInt16LE(codepageAt) === VT_I2 ? buf.readUInt16LE(codepageAt + 4) : 1252;
  const out: SummaryInfo = {};
  for (const [pid, at] of props) {
    const type = buf.readUInt16LE(at);
    const stringKey = STRING_PIDS[pid];
    const dateKey = DATE_PIDS[pid];
    if (stringKey !== undefined && (type === VT_LPSTR || type === VT_LPWSTR)) {
      const text = readString(buf, at + 4, type, codepage).trim();
      if (text !== '') out[stringKey] = text;
    } else if (dateKey !== undefined && type === VT_FILETIME) {
      const ticks = buf.readBigUInt64LE(at + 4);
      // Zero means "never set"; edit-time properties reuse FILETIME for durations, which land before 1980.
      const ms = Number(ticks / 10_000n) - EPOCH_1601_MS;
      if (ticks !== 0n && ms > Date.UTC(1980, 0, 1) && ms < Date.UTC(2200, 0, 1)) out[dateKey] = new Date(ms).toISOString();
    }
  }
  return out;
}

function readString(buf: Buffer, at: number, type: number, codepage: number): string {
  const length = buf.readUInt32LE(at);
  if (type === VT_LPWSTR || codepage === 1200) {
    const bytes = type === VT_LPWSTR ? length * 2 : length;
    return buf.toString('utf16le', at + 4, Math.min(at + 4 + bytes, buf.length)).replace(/\0+$/, '');
  }
  const raw = buf.subarray(at + 4, Math.min(at + 4 + length, buf.length));
  return decodeCodepage(raw, codepage).replace(/\0+$/, '');
}

/** Bytes in a Windows code page; unknown code pages fall back to windows-1252, the Office default. */
export function decodeCodepage(bytes: Uint8Array, codepage: number): string {
  const label = codepage === 65001 ? 'utf-8' : codepage === 932 ? 'shift_jis' : codepage === 936 ? 'gbk' : codepage === 949 ? 'euc-kr' : codepage === 950 ? 'big5' : `windows-${codepage}`;
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
