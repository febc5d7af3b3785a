import type TurndownService from 'turndown';

// HTML -> Markdown for chunking, shared by the HTML and DOCX parsers. Output feeds search and
// embeddings, not a Markdown round-trip, so text is not backslash-escaped ("snake_case" must stay
// findable) and images keep their alt text but never their base64 payload.

/** The slice of a DOM node the rules read; jsdom and turndown's own parser both provide it. */
interface DomNode {
  nodeName: string;
  nodeType: number;
  childNodes: ArrayLike<DomNode>;
  parentNode: DomNode | null;
  textContent: string | null;
  getAttribute?(name: string): string | null;
}

const ELEMENT = 1;

/** A configured turndown instance: ATX headings, fenced code, GFM-style pipe tables. */
async function createTurndown(): Promise<TurndownService> {
  // Loaded on first use: turndown brings an HTML parser (~250 ms) that registry users may never need.
  const { default: Turndown } = await import('turndown');
  const service = new Turndown({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '*',
    strongDelimiter: '**',
  });
  service.escape = (text: string) => text;
  service.remove(['script', 'style', 'noscript', 'template', 'iframe', 'object', 'embed', 'canvas']);
  addImageRule(service);
  addLinkRule(service);
  addPreRule(service);
  addTableRules(service);
  return service;
}

let shared: Promise<TurndownService> | null = null;

/** Convert an HTML string (or a DOM node) to Markdown. */
export async function htmlToMarkdown(html: string | TurndownService.Node): Promise<string> {
  shared ??= createTurndown();
  return (await shared).turndown(html).replace(/\n{3,}/g, '\n\n').trim();
}

function addImageRule(service: TurndownService): void {
  service.addRule('image', {
    filter: 'img',
    replacement: (_content, node) => {
      const el = node as unknown as DomNode;
      const alt = (el.getAttribute?.('alt') ?? '').replace(/\s+/g, ' ').trim();
      const src = el.getAttribute?.('src') ?? '';
      // Keep that an image was there (and its media type) without kilobytes of base64 in a chunk.
      const embedded = src.startsWith('data:');
      const ref = embedded ? `${src.slice(0, Math.max(src.indexOf(','), 5))}...` : src;
      // A linked image with no alt text says nothing searchable; an embedded one still marks a figure.
      if (alt === '' && !embedded) return '';
      return `![${alt}](${ref})`;
    },
  });
}

function addLinkRule(service: TurndownService): void {
  service.addRule('textlessLink', {
    // A link around nothing but an image: the image (or nothing, if it was dropped) stands alone,
    // instead of "[](url)" noise.
    filter: (node) => node.nodeName === 'A' && ((node as unknown as DomNode).textContent ?? '').trim() === '',
    replacement: (content) => content,
  });
  service.addRule('localLink', {
    // In-page anchors and script links lead nowhere outside the page: keep their text only.
    filter: (node) => {
      const href = (node as unknown as DomNode).getAttribute?.('href') ?? null;
      return node.nodeName === 'A' && href !== null && (href.startsWith('#') || href.toLowerCase().startsWith('javascript:'));
    },
    // Back-reference arrows (footnote and comment "↑" links) carry no text of their own.
    replacement: (content) => (/^[\s↑↩⤴^]*$/.test(content) ? '' : content),
  });
}

function addPreRule(service: TurndownService): void {
  service.addRule('plainPre', {
    // turndown fences only <pre><code>; a bare <pre> would come out as a paragraph whose "#" lines read as headings.
    filter: (node) => node.nodeName === 'PRE' && !childElements(node as unknown as DomNode).some((c) => c.nodeName === 'CODE'),
    replacement: (_content, node) => {
      const text = ((node as unknown as DomNode).textContent ?? '').replace(/\n+$/, '');
      if (text.trim() === '') return '';
      const longestRun = Math.max(2, ...Array.from(text.matchAll(/`+/g), (m) => m[0].length));
      const fence = '`'.repeat(longestRun + 1);
      return `\n\n${fence}\n${text}\n${fence}\n\n`;
    },
  });
}

function addTableRules(service: TurndownService): void {
  service.addRule('tableSection', {
    filter: ['thead', 'tbody', 'tfoot'],
    replacement: (content) => content,
  });
  service.addRule('tableCaption', { filter: 'caption', replacement: () => '' });
  service.addRule('tableCell', {
    filter: ['th', 'td'],
    replacement: (content, node) => {
      const el = node as unknown as DomNode;
      if (isLayout(tableOf(el))) return `\n\n${content}\n\n`;
      const text = content.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
      const span = Math.max(1, Number(el.getAttribute?.('colspan') ?? 1) || 1);
      const first = previousElement(el) === null;
      return `${first ? '|' : ''} ${text} |${' |'.repeat(span - 1)}`;
    },
  });
  service.addRule('tableRow', {
    filter: 'tr',
    replacement: (content, node) => {
      const el = node as unknown as DomNode;
      const table = tableOf(el);
      if (isLayout(table)) return `\n\n${content}\n\n`;
      if (content.trim() === '') return '';
      const header = table !== null && rowsOf(table)[0] === el ? `\n|${' --- |'.repeat(columnCount(el))}` : '';
      return `\n${content.trim()}${header}`;
    },
  });
  service.addRule('table', {
    filter: 'table',
    replacement: (content, node) => {
      const caption = childElements(node as unknown as DomNode).find((c) => c.nodeName === 'CAPTION');
      const title = caption?.textContent?.replace(/\s+/g, ' ').trim() ?? '';
      return `\n\n${title === '' ? '' : `${title}\n\n`}${content.trim()}\n\n`;
    },
  });
}

function childElements(node: DomNode): DomNode[] {
  return Array.from(node.childNodes).filter((c) => c.nodeType === ELEMENT);
}

function previousElement(node: DomNode): DomNode | null {
  const siblings = node.parentNode === null ? [] : childElements(node.parentNode);
  const index = siblings.indexOf(node);
  return index > 0 ? siblings[index - 1]! : null;
}

function tableOf(node: DomNode): DomNode | null {
  let current = node.parentNode;
  while (current !== null && current.nodeName !== 'TABLE') current = current.parentNode;
  return current;
}

/** Rows of a table (not of tables nested in its cells). */
function rowsOf(table: DomNode): DomNode[] {
  return childElements(table).flatMap((c) => (c.nodeName === 'TR' ? [c] : ['THEAD', 'TBODY', 'TFOOT'].includes(c.nodeName) ? childElements(c).filter((r) => r.nodeName === 'TR') : []));
}

function columnCount(row: DomNode): number {
  return childElements(row)
    .filter((c) => c.nodeName === 'TD' || c.nodeName === 'TH')
    .reduce((n, c) => n + Math.max(1, Number(c.getAttribute?.('colspan') ?? 1) || 1), 0);
}

/**
 * A table used for page layout rather than data: a single column, or one that wraps other tables.
 * Its cells are rendered as ordinary blocks, since flattening a page into one row loses everything.
 */
function isLayout(table: DomNode | null): boolean {
  if (table === null) return false;
  // Asked once per cell and row; cache per table so big tables stay linear.
  let layout = layoutCache.get(table);
  if (layout === undefined) {
    const rows = rowsOf(table);
    layout = rows.every((r) => columnCount(r) <= 1) || rows.some((r) => childElements(r).some((cell) => containsTable(cell)));
    layoutCache.set(table, layout);
  }
  return layout;
}

const layoutCache = new WeakMap<DomNode, boolean>();

function containsTable(node: DomNode): boolean {
  return childElements(node).some((c) => c.nodeName === 'TABLE' || containsTable(c));
}
