import { LINK_ORIGINS, linkOrigin, noteLabel } from '../../domain/graph.js';
import type { EdgeInput } from '../graph/types.js';
import { replaceFileEdges } from '../sql/graph.js';
import type { Deriver } from './index.js';

/**
 * Edges from what a file's content links to (wikilinks, Markdown links, tags, frontmatter
 * relations, e-mail people, document authors). The file is the source: its title, else its name
 * without extension, both labels the file carries. Reprocessing replaces the set; deleting the
 * file takes it (edges.source_file_id cascades).
 */
export const linksDeriver: Deriver = {
  id: 'links',
  async derive({ tx, tenantId, file, doc }) {
    const src = doc.title?.trim() || noteLabel(file.name.replace(/\.[^.]*$/, '')) || file.name;
    const edges: EdgeInput[] = (doc.links ?? []).map((l) => ({
      src,
      rel: l.rel,
      dst: l.target,
      ...(l.weight !== undefined ? { weight: l.weight } : {}),
      ...(l.properties ? { properties: l.properties } : {}),
      ...(l.targetType ? { dstType: l.targetType } : {}),
      origin: linkOrigin(l),
    }));
    await replaceFileEdges(tx, tenantId, file.id, LINK_ORIGINS, edges);
  },
};
