import type { SummaryInfo } from '../legacy/summary-info.js';

// rtf-parser (under @iarna/rtf-to-html) reads paragraphs and inline formatting well but trips on
// much real-world RTF: it prints the fallback character after every \uN, ignores \ucN, dumps
// picture hex and \bin data as text, fails outright on code pages it does not list (\ansicpg1255,
// 65001), and runs table cells together. This pass rewrites the RTF into the subset it handles:
// every non-ASCII character becomes an explicit \uN, binary and machinery groups are dropped, and
// cell and page breaks become tabs and paragraphs. Document properties from \info are collected
// on the way, since rtf-parser drops them.

/** Document properties from the \info group (the same names as legacy Office's); absent ones are left out. */
export type RtfInfo = Omit<SummaryInfo, 'created' | 'modified'>;

const INFO_FIELDS: Record<string, keyof RtfInfo> = { title: 'title', subject: 'subject', author: 'author', keywords: 'keywords', doccomm: 'comments', operator: 'lastModifiedBy' };
/** Destinations whose content is not document text: binary payloads, tables of styles, lists and fonts' extras. */
const DROPPED = new Set(['pict', 'object', 'objdata', 'stylesheet', 'listtable', 'listoverridetable', 'revtbl', 'rsidtbl', 'xmlnstbl', 'themedata', 'colorschememapping', 'datastore', 'latentstyles', 'fonttbl', 'colortbl', 'filetbl', 'generator', 'private', 'info']);
/** Control words rewritten to ones rtf-parser knows, or to the characters they stand for. */
const REPLACED: Record<string, string> = {
  cell: '\\tab ',
  nestcell: '\\tab ',
  row: '\\par ',
  nestrow: '\\par ',
  page: '\\par ',
  sect: '\\par ',
  emdash: '\\u8212 ',
  endash: '\\u8211 ',
  bullet: '\\u8226 ',
  lquote: '\\u8216 ',
  rquote: '\\u8217 ',
  ldblquote: '\\u8220 ',
  rdblquote: '\\u8221 ',
  emspace: ' ',
  enspace: ' ',
};
/** Control words passed through: structure and formatting rtf-to-html turns into HTML. */
const KEPT = new Set(['rtf', 'ansi', 'par', 'line', 'tab', 'b', 'i', 'ul', 'ulnone', 'strike', 'super', 'sub', 'nosupersub', 'plain', 'pard', 'qc', 'qj', 'ql', 'qr']);
// \fcharset values to Windows code pages (RTF 1.9.1 spec, \fcharset table).
const CHARSET_CODEPAGES: Record<number, number> = {
  77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950, 161: 1253, 162: 1254, 163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
};
const DOUBLE_BYTE = new Set([932, 936, 949, 950, 1361]);

interface GroupState {
  /** Fallback characters that follow each \uN (\ucN, 1 by default). */
  uc: number;
  font: number;
  /** The group's first control word: what kind of destination it is. */
  destination: string | null;
  /** Inside a dropped destination: nothing is written. */
  dropped: boolean;
  /** The \info field being collected, if any. */
  info: keyof RtfInfo | null;
  inFontTable: boolean;
}

export interface NormalizedRtf {
  rtf: string;
  info: RtfInfo;
}

/** Rewrite RTF (read as Latin-1: RTF is 7-bit with escapes) into what rtf-parser reads correctly. */
export function normalizeRtf(source: string): NormalizedRtf {
  const out: string[] = [];
  const info: Partial<Record<keyof RtfInfo, string>> = {};
  const fontCodepages = new Map<number, number>();
  let codepage = 1252;
  let state: GroupState = { uc: 1, font: -1, destination: null, dropped: false, info: null, inFontTable: false };
  const stack: GroupState[] = [];
  // Fallback characters of the last \uN still to be swallowed.
  let skip = 0;
  let groupStart = false;
  let starred = false;
  let bytes: number[] = [];
  let pendingLead = false;
  let fontDef = -1;

  const emit = (rtf: string, text: string): void => {
    if (state.info !== null) info[state.info] = (info[state.info] ?? '') + text;
    else if (!state.dropped) out.push(rtf);
  };
  const emitText = (text: string): void => emit(escapeText(text), text);
  const currentCodepage = (): number => fontCodepages.get(state.font) ?? codepage;
  const flushBytes = (): void => {
    if (bytes.length > 0) emitText(decode(Uint8Array.from(bytes), currentCodepage()));
    bytes = [];
    pendingLead = false;
  };
  const pushByte = (b: number): void => {
    bytes.push(b);
    pendingLead = pendingLead ? false : isLeadByte(b, currentCodepage());
  };
  /** True (and one fewer pending) when the next character is a \uN's fallback, to be dropped. */
  const swallowed = (): boolean => {
    if (skip === 0) return false;
    skip--;
    return true;
  };

  for (let i = 0; i < source.length; ) {
    const ch = source[i]!;
    if (ch === '{') {
      flushBytes();
      skip = 0;
      stack.push(state);
      state = { ...state, destination: null };
      if (!state.dropped) out.push('{');
      groupStart = true;
      starred = false;
      i++;
      continue;
    }
    if (ch === '}') {
      flushBytes();
      skip = 0;
      if (!state.dropped) out.push('}');
      state = stack.pop() ?? state;
      groupStart = false;
      i++;
      continue;
    }
    if (ch !== '\\') {
      i++;
      // Line breaks in RTF source are not text; \par and \line are.
      if (ch === '\r' || ch === '\n') continue;
      groupStart = false;
      if (swallowed()) continue;
      if (pendingLead && ch >= ' ') {
        // In double-byte code pages a trail byte in the ASCII range is often written as itself.
        pushByte(ch.charCodeAt(0));
        continue;
      }
      flushBytes();
      emitText(ch);
      continue;
    }
    const word = /^\\([a-zA-Z]{1,32})(-?\d{1,10})? ?/.exec(source.slice(i, i + 45));
    if (word === null) {
      i = symbol(i);
      continue;
    }
    i += word[0].length;
    const name = word[1]!;
    const param = word[2] === undefined ? null : Number(word[2]);
    if (name !== 'u') flushBytes();
    if (name === 'bin') {
      // \binN: N raw bytes follow that are not RTF at all.
      i += Math.max(0, param ?? 0);
      groupStart = false;
      continue;
    }
    if (groupStart) {
      groupStart = false;
      state.destination = name;
      if (stack.at(-1)?.destination === 'info' && INFO_FIELDS[name] !== undefined) state.info = INFO_FIELDS[name]!;
      if ((DROPPED.has(name) || starred) && !state.dropped) {
        state.dropped = true;
        out.pop();
      }
      if (name === 'fonttbl') state.inFontTable = true;
    }
    if (name === 'uc') state.uc = Math.max(0, param ?? 1);
    else if (name === 'u') {
      flushBytes();
      // rtf-parser reads \uN as UTF-16 code units; writers give them signed or unsigned.
      const unit = (param ?? 0) < 0 ? (param ?? 0) + 0x10000 : (param ?? 0) & 0xffff;
      if (!swallowed()) emit(`\\u${signed(unit)} `, String.fromCharCode(unit));
      skip = state.uc;
    } else if (swallowed()) {
      // A control word inside a \uN fallback counts as one fallback character.
    } else if (name === 'ansicpg' && param !== null) codepage = param;
    else if (name === 'mac') codepage = 10000;
    else if (name === 'f' && param !== null) {
      if (state.inFontTable) fontDef = param;
      else state.font = param;
    } else if (name === 'fcharset' && param !== null && state.inFontTable && fontDef >= 0) {
      const cp = CHARSET_CODEPAGES[param];
      if (cp !== undefined) fontCodepages.set(fontDef, cp);
    } else if (REPLACED[name] !== undefined) emit(REPLACED[name]!, ' ');
    else if (KEPT.has(name)) emit(`\\${name}${param ?? ''} `, name === 'par' || name === 'line' || name === 'tab' ? ' ' : '');
  }
  flushBytes();

  /** A control symbol at i (\\'hh, \\*, \\~, ...); returns where reading goes on. */
  function symbol(i: number): number {
    const sym = source[i + 1] ?? '';
    if (sym === "'") {
      const hex = /^[0-9a-fA-F]{2}/.exec(source.slice(i + 2, i + 4));
      groupStart = false;
      if (hex !== null && !swallowed()) pushByte(Number.parseInt(hex[0], 16));
      return i + 2 + (hex === null ? 0 : 2);
    }
    flushBytes();
    if (sym === '*' && groupStart) {
      // {\* ...} marks a destination readers may skip; none of them is text.
      starred = true;
      return i + 2;
    }
    groupStart = false;
    if (swallowed()) return i + 2;
    if (sym === '\\' || sym === '{' || sym === '}') emitText(sym);
    else if (sym === '~') emitText('\u00a0');
    else if (sym === '_') emitText('\u2011');
    else if (sym === '\n' || sym === '\r') emit('\\par ', ' ');
    // \- (optional hyphen) and \: (index subentry) have no text.
    return i + 2;
  }

  const cleanInfo: RtfInfo = {};
  for (const [key, value] of Object.entries(info) as [keyof RtfInfo, string][]) {
    const text = value.replace(/\s+/g, ' ').trim();
    if (text !== '') cleanInfo[key] = text;
  }
  return { rtf: out.join(''), info: cleanInfo };
}

/** Text as RTF rtf-parser reads unambiguously: ASCII as itself (escaped), everything else as \uN. */
function escapeText(text: string): string {
  let rtf = '';
  for (let k = 0; k < text.length; k++) {
    const unit = text.charCodeAt(k);
    const ch = text[k]!;
    if (unit >= 0x20 && unit < 0x7f) rtf += ch === '\\' || ch === '{' || ch === '}' ? `\\${ch}` : ch;
    else if (unit === 0x09) rtf += '\\tab ';
    // Other control characters are not text; UTF-16 units (surrogate halves included) pass as \uN.
    else if (unit >= 0x80) rtf += `\\u${signed(unit)} `;
  }
  return rtf;
}

function isLeadByte(b: number, codepage: number): boolean {
  if (!DOUBLE_BYTE.has(codepage)) return false;
  // Shift-JIS has single-byte katakana at A1-DF; the other double-byte code pages lead from 81.
  return codepage === 932 ? (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) : b >= 0x81 && b <= 0xfe;
}

/** rtf-parser writes \uN as a signed 16-bit value and throws outside that range. */
const signed = (unit: number): number => (unit > 0x7fff ? unit - 0x10000 : unit);

function decode(bytes: Uint8Array, codepage: number): string {
  const label = codepage === 65001 ? 'utf-8' : codepage === 10000 ? 'macintosh' : codepage === 932 ? 'shift_jis' : codepage === 936 ? 'gbk' : codepage === 949 ? 'euc-kr' : codepage === 950 ? 'big5' : codepage === 437 || codepage === 850 ? 'ibm866' : `windows-${codepage}`;
  try {
    // IBM code pages are not in the WHATWG set; windows-1252 is the closest for text outside box drawing.
    return new TextDecoder(codepage === 437 || codepage === 850 ? 'windows-1252' : label).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
