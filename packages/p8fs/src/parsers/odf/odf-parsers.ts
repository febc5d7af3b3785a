import type { Block, DocLink } from '../../domain/document.js';
import { authorLinks } from '../../domain/graph.js';
import type { Parser } from '../../ports/parser.js';
import { bodyBlocks, tableRows } from './odf-blocks.js';
import { openOdf } from './odf-package.js';
import { attr, childElements, markdownTable } from '../shared/zip-xml.js';

/** Rows per spreadsheet table block: small enough to chunk, each block repeats the header row. */
export const SHEET_ROWS_PER_BLOCK = 40;

const firstHeading = (blocks: Block[]): string | null => blocks.find((b) => b.kind === 'heading')?.text ?? null;

/** The creator (meta:initial-creator) as an authored_by link for the knowledge graph. */
const authored = (author: string | undefined): { links?: DocLink[] } => {
  const links = authorLinks([author]);
  return links.length > 0 ? { links } : {};
};

/** ODT: headings with their outline levels, paragraphs, lists and tables from content.xml. */
export const odtParser: Parser = {
  id: 'odt',
  version: 2,
  mediaTypes: ['application/vnd.oasis.opendocument.text'],
  extensions: ['.odt'],
  async parse({ bytes }) {
    const { body, metadata } = await openOdf(bytes, 'ODT', 'text');
    const blocks = bodyBlocks(body) as Block[];
    return { title: metadata.title ?? firstHeading(blocks), blocks, metadata, ...authored(metadata.author) };
  },
};

/** ODS: each sheet a heading and Markdown table blocks of at most SHEET_ROWS_PER_BLOCK rows. */
export const odsParser: Parser = {
  id: 'ods',
  version: 2,
  mediaTypes: ['application/vnd.oasis.opendocument.spreadsheet'],
  extensions: ['.ods'],
  async parse({ bytes }) {
    const { body, metadata } = await openOdf(bytes, 'ODS', 'spreadsheet');
    const sheets = childElements(body, 'table');
    const blocks: Block[] = [];
    for (const [i, sheet] of sheets.entries()) {
      const rows = tableRows(sheet);
      if (rows.length === 0) continue;
      blocks.push({ kind: 'heading', level: 2, text: attr(sheet, 'name') ?? `Sheet ${i + 1}` });
      const [header, ...rest] = rows;
      if (rest.length === 0) blocks.push({ kind: 'table', text: markdownTable([header!]) });
      for (let r = 0; r < rest.length; r += SHEET_ROWS_PER_BLOCK) {
        blocks.push({ kind: 'table', text: markdownTable([header!, ...rest.slice(r, r + SHEET_ROWS_PER_BLOCK)]) });
      }
    }
    return { title: metadata.title ?? null, blocks, metadata: { ...metadata, sheets: sheets.length }, ...authored(metadata.author) };
  },
};

/** ODP: each draw:page a "Slide N: title" heading, its frames' text and tables, then speaker notes; page = slide number. */
export const odpParser: Parser = {
  id: 'odp',
  version: 2,
  mediaTypes: ['application/vnd.oasis.opendocument.presentation'],
  extensions: ['.odp'],
  async parse({ bytes }) {
    const { body, metadata } = await openOdf(bytes, 'ODP', 'presentation');
    const pages = childElements(body, 'page');
    const blocks: Block[] = [];
    let firstTitle: string | null = null;
    for (const [i, page] of pages.entries()) {
      const n = i + 1;
      const frames = childElements(page).filter((e) => e.localName !== 'notes');
      const titleFrame = frames.find((f) => attr(f, 'class') === 'title');
      const title = titleFrame === undefined ? '' : frameBlocks(titleFrame).map((b) => b.text).join(' ').trim();
      firstTitle ??= title || null;
      blocks.push({ kind: 'heading', level: 1, text: title === '' ? `Slide ${n}` : `Slide ${n}: ${title}`, page: n });
      for (const frame of frames) if (frame !== titleFrame) blocks.push(...frameBlocks(frame).map((b) => ({ ...b, page: n }) as Block));
      const notes = childElements(page, 'notes').flatMap((nt) => childElements(nt).filter((f) => attr(f, 'class') === 'notes'));
      const text = notes.flatMap(frameBlocks).map((b) => b.text).join('\n');
      if (text !== '') blocks.push({ kind: 'quote', text: text.split('\n').map((l, j) => `> ${j === 0 ? 'Notes: ' : ''}${l}`).join('\n'), page: n });
    }
    return { title: metadata.title ?? firstTitle, blocks, metadata: { ...metadata, slides: pages.length }, ...authored(metadata.author) };
  },
};

/** Content of a shape: a frame's text box or table, a custom shape's text, a group's members. */
function frameBlocks(shape: Element): Omit<Block, 'page'>[] {
  if (shape.localName === 'g') return childElements(shape).flatMap(frameBlocks);
  const out: Omit<Block, 'page'>[] = [];
  for (const c of childElements(shape)) {
    if (c.localName === 'text-box') out.push(...bodyBlocks(c));
    else if (c.localName === 'table') {
      const rows = tableRows(c);
      if (rows.length > 0) out.push({ kind: 'table', text: markdownTable(rows) });
    }
  }
  // Custom shapes and plain frames hold text:p directly.
  out.push(...bodyBlocks(shapeTextOnly(shape)));
  return out;
}

/** A shallow view of a shape's own text:p / text:list children (not its text boxes or tables). */
function shapeTextOnly(shape: Element): Element {
  const copy = shape.cloneNode(false) as Element;
  for (const c of childElements(shape)) if (['p', 'list', 'h'].includes(c.localName)) copy.appendChild(c.cloneNode(true));
  return copy;
}
