import type { Block } from '../../domain/document.js';
import { AppError } from '../../domain/errors.js';
import { authorLinks } from '../../domain/graph.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import type { Parser } from '../../ports/parser.js';
import { htmlToMarkdown } from '../html/to-markdown.js';
import { openZip } from '../shared/zip-xml.js';
import { readPackage, refuseDrm } from './opf.js';

const BODY = /<body\b[^>]*>([\s\S]*)<\/body\s*>/i;
const HEAD_TITLE = /<title\b[^>]*>([\s\S]*?)<\/title\s*>/i;

/** EPUB: chapters in spine order through the shared HTML -> Markdown path; metadata from the OPF. */
export const epubParser: Parser = {
  id: 'epub',
  version: 2,
  mediaTypes: ['application/epub+zip'],
  extensions: ['.epub'],
  async parse({ bytes }) {
    const zip = await openZip(bytes, 'EPUB');
    const pkg = await readPackage(zip);
    await refuseDrm(zip, pkg.spine);
    const blocks: Block[] = [];
    // The book's own description and authors are what a reader searches by; keep them as text.
    if (pkg.creators.length > 0) blocks.push({ kind: 'paragraph', text: `**Authors:** ${pkg.creators.join(', ')}` });
    if (pkg.description !== null) blocks.push({ kind: 'paragraph', text: pkg.description });
    for (const [i, path] of pkg.spine.entries()) {
      const xhtml = await zip.text(path);
      if (xhtml === null) continue;
      // Chapters are XHTML; turndown's HTML parser reads them as HTML, which is what readers do too.
      const chapter = markdownToBlocks(await htmlToMarkdown(BODY.exec(xhtml)?.[1] ?? xhtml));
      if (chapter.length === 0) continue;
      if (!chapter.some((b) => b.kind === 'heading')) {
        const title = decodeEntities(HEAD_TITLE.exec(xhtml)?.[1] ?? '').replace(/\s+/g, ' ').trim();
        blocks.push({ kind: 'heading', level: 1, text: title === '' ? `Chapter ${i + 1}` : title });
      }
      blocks.push(...chapter);
    }
    if (blocks.length === 0) throw new AppError('parser.failed', 'not a readable EPUB: its spine has no readable chapters');
    const metadata: Record<string, unknown> = { chapters: pkg.spine.length };
    if (pkg.title !== null) metadata.title = pkg.title;
    if (pkg.creators.length > 0) metadata.author = pkg.creators.join(', ');
    if (pkg.language !== null) metadata.language = pkg.language;
    const links = authorLinks(pkg.creators);
    return { title: pkg.title, blocks, metadata, ...(links.length > 0 ? { links } : {}) };
  },
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}
