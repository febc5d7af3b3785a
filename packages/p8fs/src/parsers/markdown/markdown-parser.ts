import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import type { Block, Parser } from '../../ports/parser.js';
import { decodeText } from '../text/decode.js';
import { splitFrontmatter } from './frontmatter.js';
import { markdownLinks } from './links.js';

/** Markdown: YAML frontmatter into metadata, body into structural blocks, links and tags into doc.links. */
export const markdownParser: Parser = {
  id: 'markdown',
  version: 2,
  mediaTypes: ['text/markdown', 'text/x-markdown'],
  extensions: ['.md', '.markdown', '.mdown', '.mkd'],
  async parse({ bytes }) {
    const { text, encoding } = decodeText(bytes);
    const front = await splitFrontmatter(text);
    const blocks = markdownToBlocks(front.body);
    const metadata: Record<string, unknown> = { encoding };
    if (front.data !== null) metadata.frontmatter = front.data;
    if (front.error !== null) metadata.frontmatterError = front.error;
    const links = markdownLinks(front.body, front.data);
    return { title: frontmatterTitle(front.data) ?? firstH1(blocks), blocks, metadata, ...(links.length > 0 ? { links } : {}) };
  },
};

function frontmatterTitle(data: unknown): string | null {
  if (typeof data !== 'object' || data === null) return null;
  const title = (data as Record<string, unknown>).title;
  return typeof title === 'string' && title.trim() !== '' ? title.trim() : null;
}

/** Text of the first level-1 heading, the conventional document title. */
export function firstH1(blocks: Block[]): string | null {
  for (const b of blocks) if (b.kind === 'heading' && b.level === 1) return b.text;
  return null;
}
