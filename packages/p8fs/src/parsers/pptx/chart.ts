import { childElements, cleanText, descendants, firstDescendant } from '../shared/zip-xml.js';
import { markdownTable } from '../shared/zip-xml.js';

// A chart's numbers are often the only place a slide states its data, so the chart part
// (c:chartSpace) becomes its title plus a table: one row per category, one column per series.

/** Title and table Markdown of a DrawingML chart, or null when it holds no series. */
export function chartBlocks(chart: Document): { title: string | null; table: string | null } {
  const titleEl = firstDescendant(chart.documentElement, 'title');
  const title = titleEl === null ? null : cleanText(descendants(titleEl, 't').map((t) => t.textContent).join('')) || null;
  const series = descendants(chart.documentElement, 'ser').map((ser) => ({
    name: cleanText(firstDescendant(childElements(ser, 'tx')[0] ?? ser.ownerDocument.createElement('x'), 'v')?.textContent),
    categories: points(childElements(ser, 'cat')[0]),
    values: points(childElements(ser, 'val')[0] ?? childElements(ser, 'yVal')[0]),
  }));
  if (series.length === 0) return { title, table: null };
  const categories = series.find((s) => s.categories.length > 0)?.categories ?? [];
  const length = Math.max(categories.length, ...series.map((s) => s.values.length));
  const rows = [['', ...series.map((s, i) => s.name || `Series ${i + 1}`)]];
  for (let i = 0; i < length; i++) rows.push([categories[i] ?? '', ...series.map((s) => s.values[i] ?? '')]);
  return { title, table: markdownTable(rows) };
}

/** Cached point values (c:pt idx/c:v) of a category or value reference, placed by index. */
function points(el: Element | undefined): string[] {
  if (el === undefined) return [];
  const out: string[] = [];
  for (const pt of descendants(el, 'pt')) {
    const idx = Number(pt.getAttribute('idx'));
    const v = cleanText(firstDescendant(pt, 'v')?.textContent);
    if (Number.isInteger(idx) && idx >= 0 && idx < 10_000) out[idx] = v;
  }
  return Array.from(out, (v) => v ?? '');
}
