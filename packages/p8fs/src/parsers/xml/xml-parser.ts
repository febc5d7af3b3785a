import type { Parser } from '../../ports/parser.js';
import { readFeed } from './feed-blocks.js';
import { genericXml } from './generic-blocks.js';
import { readXml } from './xml-document.js';

/**
 * XML: RSS/RDF/Atom feeds as a heading per item with its content as Markdown; any other XML as an
 * outline of its elements. Malformed or truncated XML fails as parser.corrupt.
 */
export const xmlParser: Parser = {
  id: 'xml',
  version: 1,
  mediaTypes: ['application/xml', 'text/xml', 'application/rss+xml', 'application/atom+xml'],
  extensions: ['.xml', '.rss', '.atom'],
  async parse({ bytes, name }) {
    const { doc, encoding, declaredEntities } = await readXml(bytes, name);
    const root = doc.documentElement;
    const read = (await readFeed(root)) ?? genericXml(root);
    const metadata: Record<string, unknown> = { ...read.metadata, encoding };
    // Declared entities are left unexpanded (their references stay as written): say so.
    if (declaredEntities > 0) metadata.unexpanded_entities = declaredEntities;
    return { title: read.title, blocks: read.blocks, metadata };
  },
};
