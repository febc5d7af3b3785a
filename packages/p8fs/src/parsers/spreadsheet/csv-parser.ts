import { extname } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { decodeText } from '../text/decode.js';
import { readDelimited, sniffDelimiter } from './delimited.js';
import { tableBlocks } from './table-blocks.js';

const TAB_EXTENSIONS = new Set(['.tsv', '.tab']);

/**
 * CSV/TSV: one Markdown table, split into blocks that repeat the header row. Tab for .tsv/.tab or
 * a declared tab-separated type, else the delimiter is sniffed (Excel in many locales writes ';').
 */
export const csvParser: Parser = {
  id: 'csv',
  version: 1,
  mediaTypes: ['text/csv', 'text/tab-separated-values'],
  extensions: ['.csv', '.tsv', '.tab'],
  async parse({ bytes, name, mimeType }) {
    const { text, encoding } = decodeDelimitedText(bytes);
    const tab = TAB_EXTENSIONS.has(extname(name).toLowerCase()) || mimeType.split(';')[0]!.trim().toLowerCase() === 'text/tab-separated-values';
    const delimiter = tab ? '\t' : sniffDelimiter(text);
    const { blocks, shape } = tableBlocks(readDelimited(text, delimiter));
    if (blocks.length === 0) throw new AppError('parser.failed', `${name} has no values: every record is empty`, { name });
    return { title: null, blocks, metadata: { delimiter, encoding, ...shape } };
  },
};

/**
 * Decode like the text parser (BOM, then UTF-8), but try Shift_JIS before latin1: Japanese Excel
 * saves CSV in it by default. Latin-1 text rarely decodes as valid Shift_JIS, and when it does its
 * accented capitals come out as half-width katakana or private-use characters, which we reject.
 */
export function decodeDelimitedText(bytes: Uint8Array): { text: string; encoding: string } {
  const decoded = decodeText(bytes);
  if (decoded.encoding !== 'latin1') return decoded;
  try {
    const text = new TextDecoder('shift_jis', { fatal: true }).decode(bytes);
    if (!/[\uff61-\uff9f\ue000-\uf8ff]/u.test(text)) return { text, encoding: 'shift_jis' };
  } catch {
    // Not Shift_JIS either: latin1 keeps every byte.
  }
  return decoded;
}
