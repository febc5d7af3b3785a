import { countTokens } from '../../domain/chunking.js';
import type { Block } from '../../ports/parser.js';

/** Most data rows in one table block: small enough that a hit points at a findable stretch of the sheet. */
export const MAX_TABLE_ROWS = 40;
/**
 * Token budget of one table block. The chunker keeps a table block whole unless it alone exceeds the
 * chunk budget (512 by default), and then splits it between rows with no header; staying under it
 * means every chunk of a sheet carries its own header row.
 */
export const TABLE_TOKEN_BUDGET = 400;

/** Size and shape of one sheet's table after empty rows and columns are dropped. */
export interface TableShape {
  /** Non-empty rows, the header row included. */
  rows: number;
  columns: number;
}

/** A sheet's cells as Markdown table blocks, plus the shape they describe; no blocks when it has no content. */
export function tableBlocks(cells: readonly (readonly string[])[]): { blocks: Block[]; shape: TableShape } {
  const rows = compact(cells);
  if (rows.length === 0) return { blocks: [], shape: { rows: 0, columns: 0 } };
  const columns = rows[0]!.length;
  const header = `${markdownRow(rows[0]!)}\n${markdownRow(new Array<string>(columns).fill('---'))}`;
  const headerTokens = countTokens(header);
  const blocks: Block[] = [];
  let lines: string[] = [];
  let tokens = headerTokens;
  const flush = (): void => {
    blocks.push({ kind: 'table', text: [header, ...lines].join('\n') });
    lines = [];
    tokens = headerTokens;
  };
  for (const row of rows.slice(1)) {
    const line = markdownRow(row);
    const lineTokens = countTokens(line);
    // A row that alone overflows still gets a block of its own; the chunker splits it further.
    if (lines.length > 0 && (lines.length >= MAX_TABLE_ROWS || tokens + lineTokens > TABLE_TOKEN_BUDGET)) flush();
    lines.push(line);
    tokens += lineTokens;
  }
  // A header-only sheet is still a table: its column names are its content.
  if (lines.length > 0 || blocks.length === 0) flush();
  return { blocks, shape: { rows: rows.length, columns } };
}

/** One cell made safe for a Markdown table: pipes escaped, line breaks flattened. */
export function escapeCell(text: string): string {
  // Backslashes stay as they are: cells hold paths and regexes that must stay searchable verbatim.
  return text
    .replace(/\|/g, '\\|')
    .replace(/\s*[\r\n]+\s*/g, ' ')
    .trim();
}

const markdownRow = (cells: readonly string[]): string => `| ${cells.map(escapeCell).join(' | ')} |`;

/**
 * Drop rows and columns with no text, and pad every row to one width. Sheets often start at C5 or
 * carry stray formatting far to the right; neither is content.
 */
function compact(cells: readonly (readonly string[])[]): string[][] {
  const rows = cells.filter((row) => row.some((c) => c.trim() !== ''));
  const width = Math.max(0, ...rows.map((r) => r.length));
  const keep: number[] = [];
  for (let col = 0; col < width; col++) if (rows.some((r) => (r[col] ?? '').trim() !== '')) keep.push(col);
  return rows.map((r) => keep.map((col) => r[col] ?? ''));
}
