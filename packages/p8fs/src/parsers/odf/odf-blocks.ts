import { attr, childElements, descendants, markdownTable } from '../shared/zip-xml.js';

// The ODF body vocabulary shared by text documents, spreadsheets and presentations:
// text:h, text:p, text:list and table:table, walked in document order.

type Content = { kind: 'heading'; level: number; text: string } | { kind: 'paragraph' | 'list' | 'code' | 'table' | 'quote'; text: string };

/** Inline text of a text:p / text:h / table cell: spans and links flattened, text:s and text:tab expanded. */
export function inlineText(node: Node): string {
  return rawText(node).replace(/[ \t]+/g, ' ').replace(/ *\n */g, '\n').trim();
}

// Untrimmed: a span's trailing space separates it from the next word.
function rawText(node: Node): string {
  let out = '';
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 3 || c.nodeType === 4) out += c.nodeValue ?? '';
    else if (c.nodeType !== 1) continue;
    else {
      const el = c as Element;
      if (el.localName === 's') out += ' '.repeat(Math.min(Number(attr(el, 'c') ?? 1) || 1, 100));
      else if (el.localName === 'tab') out += '\t';
      else if (el.localName === 'line-break') out += '\n';
      // Footnote markers are numbers out of context; annotations (comments) are kept by bodyBlocks.
      else if (el.localName === 'note-citation' || el.localName === 'annotation') continue;
      else out += rawText(el);
    }
  }
  return out;
}

/** Blocks of a body container (office:text, a text box, a cell, a section), in order. */
export function bodyBlocks(container: Element): Content[] {
  const out: Content[] = [];
  for (const el of childElements(container)) {
    if (el.localName === 'h') {
      const text = inlineText(el).replace(/\n/g, ' ');
      if (text !== '') out.push({ kind: 'heading', level: Math.min(6, Number(attr(el, 'outline-level') ?? 1) || 1), text });
    } else if (el.localName === 'p') {
      const text = inlineText(el);
      if (text !== '') out.push({ kind: 'paragraph', text });
      for (const note of childElements(el, 'annotation')) {
        const comment = childElements(note, 'p').map(inlineText).join(' ');
        if (comment !== '') out.push({ kind: 'quote', text: `> Comment: ${comment}` });
      }
    } else if (el.localName === 'list') {
      const lines = listLines(el, 0);
      if (lines.length > 0) out.push({ kind: 'list', text: lines.join('\n') });
    } else if (el.localName === 'table') {
      const rows = tableRows(el);
      if (rows.length > 0) out.push({ kind: 'table', text: markdownTable(rows) });
    } else if (el.localName !== 'tracked-changes' && el.localName !== 'sequence-decls') out.push(...bodyBlocks(el));
  }
  return out;
}

function listLines(list: Element, depth: number): string[] {
  const lines: string[] = [];
  for (const item of childElements(list).filter((e) => e.localName === 'list-item' || e.localName === 'list-header')) {
    for (const child of childElements(item)) {
      if (child.localName === 'list') lines.push(...listLines(child, depth + 1));
      else {
        const text = inlineText(child).replace(/\n/g, ' ');
        if (text !== '') lines.push(`${'  '.repeat(depth)}- ${text}`);
      }
    }
  }
  return lines;
}

// Spreadsheets repeat empty rows and columns up to the sheet's limit (a million rows); repeats
// are expanded only up to these caps, and trailing empty rows and columns are trimmed.
const MAX_REPEAT = 1000;

/** Cell texts of a table:table, row by row, with repeats expanded and empty edges trimmed. */
export function tableRows(table: Element): string[][] {
  const rows: string[][] = [];
  const walk = (el: Element): void => {
    for (const c of childElements(el)) {
      if (c.localName === 'table-row') {
        const cells: string[] = [];
        for (const cell of childElements(c).filter((x) => x.localName === 'table-cell' || x.localName === 'covered-table-cell')) {
          const text = descendants(cell, 'p').map(inlineText).join(' ').replace(/\s+/g, ' ').trim();
          const repeat = Math.min(Number(attr(cell, 'number-columns-repeated') ?? 1) || 1, MAX_REPEAT);
          for (let i = 0; i < repeat; i++) cells.push(text);
        }
        const repeat = Math.min(Number(attr(c, 'number-rows-repeated') ?? 1) || 1, MAX_REPEAT);
        for (let i = 0; i < repeat; i++) rows.push(cells);
      } else if (c.localName.endsWith('rows') || c.localName === 'table-row-group') walk(c);
    }
  };
  walk(table);
  const empty = (r: string[]): boolean => r.every((t) => t === '');
  while (rows.length > 0 && empty(rows[rows.length - 1]!)) rows.pop();
  while (rows.length > 0 && empty(rows[0]!)) rows.shift();
  // Sheets often start their data a column or two in; drop the empty margin on both sides.
  const width = Math.max(0, ...rows.map((r) => r.reduce((w, t, i) => (t === '' ? w : i + 1), 0)));
  const start = Math.min(width, ...rows.map((r) => { const i = r.findIndex((t) => t !== ''); return i === -1 ? width : i; }));
  return rows.map((r) => r.slice(start, width));
}
