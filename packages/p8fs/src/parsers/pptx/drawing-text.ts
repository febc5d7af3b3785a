import { attr, childElements, cleanText, descendants, firstDescendant } from '../shared/zip-xml.js';

// DrawingML text bodies (a:txBody) to Markdown lines. A paragraph is a bullet when it says so
// (a:buChar / a:buAutoNum) or when it sits in a body placeholder, whose bullets come from the
// slide master that we do not read; a:buNone switches bullets off either way.

/** One paragraph of a text body: its text and, for bullets, the list marker and nesting level. */
export interface TextLine {
  text: string;
  bullet: 'bullet' | 'number' | null;
  level: number;
}

/** The text of an a:p: runs, fields and line breaks joined. */
export function paragraphText(p: Element): string {
  let out = '';
  for (const c of childElements(p)) {
    if (c.localName === 'r' || c.localName === 'fld') out += firstDescendant(c, 't')?.textContent ?? '';
    else if (c.localName === 'br') out += '\n';
  }
  return out.replace(/[ \t]+/g, ' ').trim();
}

/** The paragraphs of a text body, empty ones dropped. */
export function textLines(body: Element, bulletsByDefault: boolean): TextLine[] {
  const lines: TextLine[] = [];
  for (const p of childElements(body, 'p')) {
    const text = paragraphText(p);
    if (text === '') continue;
    const pPr = childElements(p, 'pPr')[0];
    const level = Number(pPr === undefined ? 0 : (attr(pPr, 'lvl') ?? 0)) || 0;
    const has = (name: string): boolean => pPr !== undefined && childElements(pPr, name).length > 0;
    const bullet = has('buNone') ? null : has('buAutoNum') ? 'number' : has('buChar') || has('buBlip') || bulletsByDefault ? 'bullet' : null;
    lines.push({ text, bullet, level });
  }
  return lines;
}

/** Markdown text blocks from lines: runs of bullets become one list, other lines paragraphs. */
export function linesToBlocks(lines: readonly TextLine[]): { kind: 'paragraph' | 'list'; text: string }[] {
  const out: { kind: 'paragraph' | 'list'; text: string }[] = [];
  let list: string[] = [];
  let counters: number[] = [];
  const flush = (): void => {
    if (list.length > 0) out.push({ kind: 'list', text: list.join('\n') });
    list = [];
    counters = [];
  };
  for (const line of lines) {
    if (line.bullet === null) {
      flush();
      out.push({ kind: 'paragraph', text: line.text });
      continue;
    }
    counters = counters.slice(0, line.level + 1);
    counters[line.level] = (counters[line.level] ?? 0) + 1;
    const marker = line.bullet === 'number' ? `${counters[line.level]}.` : '-';
    list.push(`${'  '.repeat(line.level)}${marker} ${line.text.replace(/\n/g, ' ')}`);
  }
  flush();
  return out;
}

/** Cell texts of a DrawingML table (a:tbl), row by row; merged-away cells stay empty. */
export function tableRows(tbl: Element): string[][] {
  return childElements(tbl, 'tr').map((tr) =>
    childElements(tr, 'tc').map((tc) => cleanText(descendants(tc, 'p').map(paragraphText).join(' '))),
  );
}
