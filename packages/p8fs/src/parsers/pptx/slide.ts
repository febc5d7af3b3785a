import type { Block } from '../../domain/document.js';
import { type ZipArchive, attr, childElements, cleanText, descendants, firstDescendant, markdownTable } from '../shared/zip-xml.js';
import { chartBlocks } from './chart.js';
import { linesToBlocks, paragraphText, tableRows, textLines } from './drawing-text.js';
import { type Relationship, readRels, relId, relOfType } from './rels.js';

// One slide to blocks: "Slide N: <title>" heading, then its shapes in shape-tree order (the
// order PowerPoint reads them to screen readers), then comments and speaker notes.

const TITLE_PLACEHOLDERS = new Set(['title', 'ctrTitle']);
// Placeholders that repeat master furniture, not slide content.
const SKIPPED_PLACEHOLDERS = new Set(['sldNum', 'dt', 'ftr', 'hdr']);

/** Blocks of the slide at `part`, numbered `n`, every block tagged with page n. */
export async function slideBlocks(zip: ZipArchive, part: string, n: number, authors: Map<string, string>): Promise<{ title: string | null; blocks: Block[] }> {
  const doc = await zip.xml(part);
  if (doc === null) return { title: null, blocks: [] };
  const rels = await readRels(zip, part);
  const tree = firstDescendant(doc.documentElement, 'spTree');
  let title: string | null = null;
  const body: Omit<Block, 'page'>[] = [];
  const walk = async (group: Element): Promise<void> => {
    for (const shape of childElements(group)) {
      if (shape.localName === 'grpSp') await walk(shape);
      else if (shape.localName === 'sp') {
        const ph = placeholder(shape);
        if (ph !== null && SKIPPED_PLACEHOLDERS.has(ph)) continue;
        const txBody = childElements(shape, 'txBody')[0];
        if (txBody === undefined) continue;
        if (title === null && ph !== null && TITLE_PLACEHOLDERS.has(ph)) {
          title = cleanText(childElements(txBody, 'p').map(paragraphText).join(' ')) || null;
          if (title !== null) continue;
        }
        // Only body placeholders (explicit "body", or an untyped one with an index) inherit bullets.
        const bullets = ph === 'body' || ph === 'obj' || ph === '';
        body.push(...linesToBlocks(textLines(txBody, bullets)));
      } else if (shape.localName === 'graphicFrame') body.push(...(await frameBlocks(zip, shape, rels)));
      else if (shape.localName === 'pic') {
        const alt = cleanText(attr(firstDescendant(shape, 'cNvPr') ?? shape, 'descr'));
        const embed = firstDescendant(shape, 'blip');
        const media = rels.get(embed === null ? '' : (attr(embed, 'embed') ?? attr(embed, 'link') ?? ''))?.target.split('/').pop() ?? '';
        // Alt text is what a picture contributes to search; without it there is nothing to index.
        if (alt !== '') body.push({ kind: 'paragraph', text: `![${alt}](${media})` });
      }
    }
  };
  if (tree !== null) await walk(tree);
  body.push(...(await commentBlocks(zip, rels, authors)));
  const notes = await notesText(zip, rels);
  if (notes !== '') body.push({ kind: 'quote', text: notes.split('\n').map((line, i) => `> ${i === 0 ? 'Notes: ' : ''}${line}`).join('\n') });
  const heading: Block = { kind: 'heading', level: 1, text: title === null ? `Slide ${n}` : `Slide ${n}: ${title}`, page: n };
  return { title, blocks: [heading, ...body.map((b) => ({ ...b, page: n }) as Block)] };
}

/** The placeholder type of a shape: null when it is no placeholder, '' for an untyped (content) one. */
function placeholder(shape: Element): string | null {
  const ph = firstDescendant(childElements(shape, 'nvSpPr')[0] ?? shape, 'ph');
  return ph === null ? null : (attr(ph, 'type') ?? '');
}

async function frameBlocks(zip: ZipArchive, frame: Element, rels: Map<string, Relationship>): Promise<Omit<Block, 'page'>[]> {
  const tbl = firstDescendant(frame, 'tbl');
  if (tbl !== null) {
    const rows = tableRows(tbl).filter((r) => r.some((c) => c !== ''));
    return rows.length === 0 ? [] : [{ kind: 'table', text: markdownTable(rows) }];
  }
  const chartRef = firstDescendant(frame, 'chart');
  const chartPart = chartRef === null ? undefined : rels.get(relId(chartRef));
  if (chartPart === undefined || chartPart.external) return [];
  const chart = await zip.xml(chartPart.target);
  if (chart === null) return [];
  const { title, table } = chartBlocks(chart);
  const alt = cleanText(attr(firstDescendant(frame, 'cNvPr') ?? frame, 'descr'));
  return [
    ...(alt === '' ? [] : [{ kind: 'paragraph' as const, text: alt }]),
    ...(title === null ? [] : [{ kind: 'paragraph' as const, text: title }]),
    ...(table === null ? [] : [{ kind: 'table' as const, text: table }]),
  ];
}

async function notesText(zip: ZipArchive, rels: Map<string, Relationship>): Promise<string> {
  const rel = relOfType(rels, 'notesSlide');
  const notes = rel === undefined ? null : await zip.xml(rel.target);
  if (notes === null) return '';
  // The notes page also holds a slide image and a slide-number placeholder; the text is in the body placeholder.
  const bodies = descendants(notes.documentElement, 'sp').filter((sp) => placeholder(sp) === 'body');
  return bodies
    .flatMap((sp) => descendants(sp, 'p').map(paragraphText))
    .filter((t) => t !== '')
    .join('\n');
}

async function commentBlocks(zip: ZipArchive, rels: Map<string, Relationship>, authors: Map<string, string>): Promise<Omit<Block, 'page'>[]> {
  const rel = relOfType(rels, 'comments');
  const doc = rel === undefined ? null : await zip.xml(rel.target);
  if (doc === null) return [];
  return childElements(doc.documentElement, 'cm').flatMap((cm) => {
    const text = cleanText(firstDescendant(cm, 'text')?.textContent);
    if (text === '') return [];
    const who = authors.get(attr(cm, 'authorId') ?? '') ?? 'unknown author';
    const when = attr(cm, 'dt');
    return [{ kind: 'quote' as const, text: `> Comment by ${who}${when === null ? '' : `, ${when}`}: ${text}` }];
  });
}

/** Legacy comment authors (ppt/commentAuthors.xml) by id, as "Name (initials)". */
export async function commentAuthors(zip: ZipArchive): Promise<Map<string, string>> {
  const doc = await zip.xml('ppt/commentAuthors.xml');
  const out = new Map<string, string>();
  for (const a of doc === null ? [] : childElements(doc.documentElement, 'cmAuthor')) {
    const initials = attr(a, 'initials');
    out.set(attr(a, 'id') ?? '', `${attr(a, 'name') ?? 'unknown'}${initials === null ? '' : ` (${initials})`}`);
  }
  return out;
}
