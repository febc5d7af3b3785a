import { countTokens } from '../../domain/chunking.js';
import type { Block } from '../../ports/parser.js';
import { tableBlocks } from '../spreadsheet/table-blocks.js';

/** How a data format writes a value back out: its code-fence tag and its pretty printer. */
export interface DataFormat {
  lang: string;
  render(value: unknown): string;
}

/**
 * Largest value kept as one code block. Under the chunker's default 512-token budget, so a small
 * value stays whole in one chunk next to the heading that names it.
 */
export const SMALL_VALUE_TOKENS = 300;
/** Deepest key nesting that still gets its own heading; deeper values are shown as code. */
export const MAX_KEY_DEPTH = 3;

type Plain = Record<string, unknown>;

export const isPlainObject = (v: unknown): v is Plain => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * One parsed data document as blocks that keep its structure: a heading per top-level key, small
 * values as fenced code, large objects opened into sub-headings, arrays of same-shape flat objects
 * as tables, other large arrays as groups of items.
 */
export function dataBlocks(value: unknown, format: DataFormat, level: number): Block[] {
  // Top-level keys always get headings, even when small: they are the document's outline.
  if (isPlainObject(value) && Object.keys(value).length > 0) return objectBlocks(value, format, level, 1);
  return valueBlocks(value, format, level, 1);
}

function objectBlocks(obj: Plain, format: DataFormat, level: number, depth: number): Block[] {
  const out: Block[] = [];
  let group: [string, unknown][] = [];
  const flush = (): void => {
    if (group.length === 0) return;
    const names = group.map(([k]) => keyText(k));
    out.push({ kind: 'heading', level, text: names.length <= 3 ? names.join(', ') : `${names[0]!} … ${names.at(-1)!}` });
    out.push(codeBlock(Object.fromEntries(group), format));
    group = [];
  };
  for (const [key, v] of Object.entries(obj)) {
    // Top-level keys are the outline and always get a heading; below that, small siblings share one
    // block so a wide object does not become dozens of near-empty chunks.
    if (depth > 1 && countTokens(format.render({ [key]: v })) <= SMALL_VALUE_TOKENS) {
      if (group.length > 0 && countTokens(format.render(Object.fromEntries([...group, [key, v]]))) > SMALL_VALUE_TOKENS) flush();
      group.push([key, v]);
      continue;
    }
    flush();
    out.push({ kind: 'heading', level, text: keyText(key) }, ...valueBlocks(v, format, level + 1, depth + 1));
  }
  flush();
  return out;
}

const keyText = (key: string): string => (key.trim() === '' ? JSON.stringify(key) : key);

function valueBlocks(value: unknown, format: DataFormat, level: number, depth: number): Block[] {
  const code = codeBlock(value, format);
  if (countTokens(code.text) <= SMALL_VALUE_TOKENS) return [code];
  if (isPlainObject(value) && depth <= MAX_KEY_DEPTH && Object.keys(value).length > 1) return objectBlocks(value, format, level, depth);
  if (Array.isArray(value)) return arrayBlocks(value, format, level, depth);
  // A single large scalar or a deep object: the chunker splits an oversize code block between lines.
  return [code];
}

function arrayBlocks(items: unknown[], format: DataFormat, level: number, depth: number): Block[] {
  const columns = tableColumns(items);
  if (columns !== null) {
    const cells = [columns, ...items.map((item) => columns.map((c) => cellText((item as Plain)[c])))];
    return tableBlocks(cells).blocks;
  }
  const out: Block[] = [];
  let group: unknown[] = [];
  let first = 0;
  const flush = (): void => {
    if (group.length === 0) return;
    const range = group.length === 1 ? `item ${first + 1}` : `items ${first + 1}–${first + group.length}`;
    out.push({ kind: 'heading', level, text: range }, codeBlock(group, format));
    group = [];
  };
  items.forEach((item, index) => {
    const itemTokens = countTokens(format.render(item));
    if (itemTokens > SMALL_VALUE_TOKENS) {
      // An item too big to share a block gets its own heading, and its own structure below it.
      flush();
      out.push({ kind: 'heading', level, text: `item ${index + 1}` }, ...valueBlocks(item, format, level + 1, depth + 1));
      return;
    }
    if (group.length > 0 && countTokens(format.render([...group, item])) > SMALL_VALUE_TOKENS) flush();
    if (group.length === 0) first = index;
    group.push(item);
  });
  flush();
  return out;
}

/** The shared keys of an array of flat objects that all have the same keys, or null when it is not table-shaped. */
export function tableColumns(items: readonly unknown[]): string[] | null {
  if (items.length < 2 || !items.every(isPlainObject)) return null;
  const columns = Object.keys(items[0] as Plain);
  if (columns.length === 0) return null;
  const shape = [...columns].sort().join('\u0000');
  for (const item of items as Plain[]) {
    if (Object.keys(item).sort().join('\u0000') !== shape) return null;
    if (Object.values(item).some((v) => typeof v === 'object' && v !== null)) return null;
  }
  return columns;
}

const cellText = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

function codeBlock(value: unknown, format: DataFormat): Block {
  return { kind: 'code', text: `\`\`\`${format.lang}\n${format.render(value).trimEnd()}\n\`\`\`` };
}

/** Routing facts about one data document: its top-level keys and its `p8-type` or `kind` value. */
export function documentFacts(value: unknown): { keys: string[]; kind: string | null } {
  if (!isPlainObject(value)) return { keys: [], kind: null };
  // `p8-type` is P8FS's own marker, so it wins over a generic `kind` (Kubernetes-style) field.
  const kind = [value['p8-type'], value.kind].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return { keys: Object.keys(value), kind: kind?.trim() ?? null };
}

/** Document kinds the vault acts on beyond indexing: their derivers read the parsed value (ParsedDocument.structured). */
const ACTED_ON_KINDS = new Set(['engram', 'agent']);

/** The parsed value to hand to the derivers when the document is an engram or agent definition, else undefined. */
export function structuredValue(kind: string | null, value: unknown): unknown {
  return kind !== null && ACTED_ON_KINDS.has(kind.toLowerCase()) ? value : undefined;
}

/** The value of a top-level `title` string, the conventional document title. */
export function dataTitle(value: unknown): string | null {
  const title = isPlainObject(value) ? value.title : undefined;
  return typeof title === 'string' && title.trim() !== '' ? title.trim() : null;
}
