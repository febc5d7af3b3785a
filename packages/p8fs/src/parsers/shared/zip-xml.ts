import { AppError, errorMessage } from '../../domain/errors.js';

// Shared by the ZIP+XML parsers (PPTX, ODF, EPUB). Elements are matched by local name, so the
// code does not care which prefix a producer bound to a namespace (LibreOffice, PowerPoint and
// EPUB tools all choose their own).

/** Read access to the parts of a ZIP container, as text or parsed XML. */
export interface ZipArchive {
  has(path: string): boolean;
  text(path: string): Promise<string | null>;
  xml(path: string): Promise<Document | null>;
  /** Every entry path, in archive order. */
  paths(): string[];
}

const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0]);

/** Open a ZIP container or throw parser.failed naming the format; encrypted Office files get their own reason. */
export async function openZip(bytes: Buffer, format: string): Promise<ZipArchive> {
  // Password-protected OOXML is an OLE compound file wrapping the encrypted package, not a zip.
  if (bytes.subarray(0, 4).equals(CFB_SIGNATURE)) {
    throw new AppError('parser.failed', `not a readable ${format}: the file is encrypted (password-protected) or a legacy binary Office file`);
  }
  const { default: JSZip } = await import('jszip');
  let zip: import('jszip');
  try {
    zip = await JSZip.loadAsync(bytes);
  } catch (err) {
    throw new AppError('parser.failed', `not a readable ${format}: corrupt or not a ZIP container (${errorMessage(err)})`, { cause: errorMessage(err) });
  }
  const { DOMParser } = await import('@xmldom/xmldom');
  const text = async (path: string): Promise<string | null> => {
    const entry = zip.file(path);
    if (entry === null) return null;
    try {
      return await entry.async('string');
    } catch (err) {
      throw new AppError('parser.failed', `not a readable ${format}: cannot read ${path} (${errorMessage(err)})`, { cause: errorMessage(err) });
    }
  };
  return {
    has: (path) => zip.file(path) !== null,
    paths: () => Object.keys(zip.files).filter((p) => !zip.files[p]!.dir),
    text,
    async xml(path) {
      const source = await text(path);
      return source === null ? null : parseXml(DOMParser, source, `${format} part ${path}`);
    },
  };
}

type DomParserClass = typeof import('@xmldom/xmldom').DOMParser;

function parseXml(Parser: DomParserClass, source: string, what: string): Document {
  // xmldom recovers from most errors; only a fatal one means the part is unusable.
  const parser = new Parser({
    errorHandler: {
      warning: () => undefined,
      error: () => undefined,
      fatalError: (msg: string) => {
        throw new AppError('parser.failed', `malformed XML in ${what}: ${msg}`);
      },
    },
  });
  const doc = parser.parseFromString(source, 'application/xml');
  if (doc.documentElement === null) throw new AppError('parser.failed', `malformed XML in ${what}: no root element`);
  return doc as unknown as Document;
}

/** Element children of a node, optionally only those with the given local name. */
export function childElements(node: Node, localName?: string): Element[] {
  const out: Element[] = [];
  for (let c = node.firstChild; c !== null; c = c.nextSibling) {
    if (c.nodeType === 1 && (localName === undefined || (c as Element).localName === localName)) out.push(c as Element);
  }
  return out;
}

/** Descendant elements with the given local name, in document order. */
export function descendants(node: Node, localName: string): Element[] {
  const out: Element[] = [];
  const walk = (n: Node): void => {
    for (const c of childElements(n)) {
      if (c.localName === localName) out.push(c);
      walk(c);
    }
  };
  walk(node);
  return out;
}

/** The first descendant with the given local name, or null. */
export function firstDescendant(node: Node, localName: string): Element | null {
  for (const c of childElements(node)) {
    if (c.localName === localName) return c;
    const found = firstDescendant(c, localName);
    if (found !== null) return found;
  }
  return null;
}

/** An attribute by local name, whatever its prefix. */
export function attr(el: Element, localName: string): string | null {
  for (let i = 0; i < el.attributes.length; i++) {
    const a = el.attributes.item(i);
    if (a !== null && (a.localName ?? a.name) === localName) return a.value;
  }
  return null;
}

/** Whitespace-collapsed text of a node. */
export const cleanText = (text: string | null | undefined): string => (text ?? '').replace(/\s+/g, ' ').trim();

/** Resolve a relative part name against the folder of the part that references it. */
export function resolvePart(base: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = base.split('/').slice(0, -1);
  for (const seg of decodeURIComponent(target.split('#')[0]!).split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.' && seg !== '') parts.push(seg);
  }
  return parts.join('/');
}

/** A GFM pipe table; the first row is the header. Pipes in cells are escaped so columns stay aligned. */
export function markdownTable(rows: readonly string[][]): string {
  const width = Math.max(1, ...rows.map((r) => r.length));
  const line = (cells: readonly string[]): string =>
    `| ${Array.from({ length: width }, (_, i) => cleanText(cells[i]).replace(/\|/g, '\\|')).join(' | ')} |`;
  const [header = [], ...body] = rows;
  return [line(header), `|${' --- |'.repeat(width)}`, ...body.map(line)].join('\n');
}
