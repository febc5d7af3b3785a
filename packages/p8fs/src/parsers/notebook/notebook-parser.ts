import type { Block } from '../../domain/document.js';
import { AppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { isPlainObject } from '../structured/value-blocks.js';
import { decodeText } from '../text/decode.js';
import { type RawCell, cellBlocks } from './notebook-cells.js';

/**
 * Jupyter notebooks (nbformat 4, and 3): markdown cells as Markdown blocks, code cells as fenced
 * code in the kernel's language, followed by their text output. Notebook JSON plumbing (ids,
 * execution counts, nbformat fields, image payloads) is left out.
 */
export const notebookParser: Parser = {
  id: 'notebook',
  version: 1,
  mediaTypes: ['application/x-ipynb+json'],
  extensions: ['.ipynb'],
  async parse({ bytes, name }) {
    const nb = readNotebook(bytes, name);
    const meta = isPlainObject(nb.metadata) ? nb.metadata : {};
    const cells = notebookCells(nb, name);
    const language = kernelLanguage(meta, cells);
    const blocks: Block[] = [];
    let truncated = 0;
    for (const cell of cells) {
      const read = cellBlocks(cell, language);
      blocks.push(...read.blocks);
      if (read.truncated) truncated++;
    }
    const declaredTitle = typeof meta.title === 'string' ? meta.title.trim() : '';
    const title = declaredTitle || (blocks.find((b) => b.kind === 'heading')?.text ?? null);
    const metadata: Record<string, unknown> = {
      cells: cells.length,
      code_cells: cells.filter((c) => c.cell_type === 'code').length,
      language,
      nbformat: nb.nbformat,
    };
    if (truncated > 0) metadata.truncated_outputs = truncated;
    return { title, blocks, metadata };
  },
};

function readNotebook(bytes: Buffer, name: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeText(bytes).text);
  } catch (err) {
    throw new AppError('parser.corrupt', `${name} is not a readable notebook: invalid JSON (${(err as Error).message.split('\n')[0]!})`, { name });
  }
  if (!isPlainObject(value) || typeof value.nbformat !== 'number') {
    throw new AppError('parser.corrupt', `${name} is not a Jupyter notebook: it has no nbformat version`, { name });
  }
  return value;
}

function notebookCells(nb: Record<string, unknown>, name: string): RawCell[] {
  // nbformat 3 nests cells in worksheets; 4 has them at the top.
  const lists = Array.isArray(nb.cells)
    ? [nb.cells]
    : Array.isArray(nb.worksheets)
      ? nb.worksheets.map((w: unknown) => (isPlainObject(w) && Array.isArray(w.cells) ? w.cells : []))
      : null;
  if (lists === null) throw new AppError('parser.corrupt', `${name} is not a Jupyter notebook: it has no cells`, { name, nbformat: nb.nbformat });
  return lists.flat().filter((c: unknown): c is RawCell => isPlainObject(c));
}

/** The kernel's language, for code fences: language_info, then the kernelspec, then nbformat 3's own fields. */
function kernelLanguage(meta: Record<string, unknown>, cells: RawCell[]): string {
  const info = isPlainObject(meta.language_info) ? meta.language_info.name : undefined;
  const spec = isPlainObject(meta.kernelspec) ? meta.kernelspec.language : undefined;
  const v3Cell = cells.find((c) => c.cell_type === 'code' && typeof (c as Record<string, unknown>).language === 'string') as Record<string, unknown> | undefined;
  const found = [info, spec, meta.language, v3Cell?.language].find((v): v is string => typeof v === 'string' && v.trim() !== '');
  return found?.trim().toLowerCase() ?? 'python';
}
