import type { Block } from '../../domain/document.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';

// One Jupyter cell as blocks. nbformat 4 keeps cells in `cells` with `source`; nbformat 3 kept
// them in `worksheets[].cells`, code in `input`, headings as their own cell type, and results as
// `pyout` outputs with a bare `text` field. Both shapes are read here.

/** A notebook cell as stored, either format version. */
export interface RawCell {
  cell_type?: unknown;
  source?: unknown;
  input?: unknown;
  level?: unknown;
  outputs?: unknown;
}

/** Characters of output kept per cell: a printed training log should not drown the code that made it. */
export const MAX_OUTPUT_CHARS = 10_000;

// Terminal colour codes in tracebacks and progress bars.
// biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escapes start with ESC (0x1b)
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Blocks of one cell, and whether its output was cut to MAX_OUTPUT_CHARS. */
export function cellBlocks(cell: RawCell, language: string): { blocks: Block[]; truncated: boolean } {
  const source = multiline(cell.source ?? cell.input);
  switch (cell.cell_type) {
    case 'markdown':
      return { blocks: markdownToBlocks(source), truncated: false };
    case 'heading': {
      const text = source.replace(/\s+/g, ' ').trim();
      const level = typeof cell.level === 'number' ? Math.min(6, Math.max(1, cell.level)) : 1;
      return { blocks: text === '' ? [] : [{ kind: 'heading', level, text }], truncated: false };
    }
    case 'code': {
      const blocks: Block[] = [];
      if (source.trim() !== '') blocks.push(fenced(language, source));
      const output = outputText(cell.outputs);
      const truncated = output.length > MAX_OUTPUT_CHARS;
      // Cut at a line end where there is one, so the last kept line is whole.
      const cut = output.lastIndexOf('\n', MAX_OUTPUT_CHARS);
      const kept = truncated ? output.slice(0, cut > 0 ? cut : MAX_OUTPUT_CHARS) : output;
      if (kept.trim() !== '') blocks.push(fenced('output', kept));
      return { blocks, truncated };
    }
    default:
      // Raw cells (nbconvert passthrough) are text of no declared syntax: keep them as paragraphs.
      return { blocks: source.trim() === '' ? [] : [{ kind: 'paragraph', text: source.trim() }], truncated: false };
  }
}

/** The text outputs of a code cell: printed streams, plain-text results and errors. Images and HTML are left out. */
function outputText(outputs: unknown): string {
  if (!Array.isArray(outputs)) return '';
  const parts: string[] = [];
  for (const out of outputs as Record<string, unknown>[]) {
    if (typeof out !== 'object' || out === null) continue;
    const type = out.output_type;
    if (type === 'stream') parts.push(multiline(out.text));
    else if (type === 'execute_result') parts.push(multiline((out.data as Record<string, unknown> | undefined)?.['text/plain']));
    // nbformat 3 results carry their plain text directly.
    else if (type === 'pyout') parts.push(multiline(out.text));
    else if (type === 'error' || type === 'pyerr') parts.push(`${String(out.ename ?? 'Error')}: ${String(out.evalue ?? '')}`);
  }
  return parts
    .map((p) => p.replace(ANSI, '').replace(/\s+$/, ''))
    .filter((p) => p !== '')
    .join('\n');
}

/** A fenced code block, its fence longer than any backtick run inside. */
function fenced(info: string, text: string): Block {
  const body = text.replace(/\s+$/, '');
  const fence = '`'.repeat(Math.max(3, ...Array.from(body.matchAll(/`+/g), (m) => m[0].length + 1)));
  return { kind: 'code', text: `${fence}${info}\n${body}\n${fence}` };
}

/** Notebook text fields are a string or a list of lines (each keeping its own newline). */
export function multiline(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string').join('');
  return '';
}
