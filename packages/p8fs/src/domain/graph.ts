import type { DocLink } from './document.js';
import { uuid5 } from './ids.js';

// PostgreSQL's `\s` (what p8_label_key collapses) is ASCII whitespace; JavaScript's `\s` also
// takes no-break and other Unicode spaces. The narrower class keeps the two rules equal.
const SPACES = /[ \t\n\v\f\r]+/g;

/**
 * The identity of a label: lower case, trimmed, inner whitespace collapsed. The same rule as the
 * SQL function p8_label_key (migration 0004); edges, LOOKUP and the labels index all meet on it.
 */
export function labelKey(label: string): string {
  return label.replace(SPACES, ' ').trim().toLowerCase();
}

/** An edge's id: the same edge (same ends, type and source file) written twice is one row. */
export function edgeId(tenantId: string, src: string, rel: string, dst: string, sourceFileId: string | null = null): string {
  return uuid5(tenantId, 'edge', labelKey(src), rel, labelKey(dst), sourceFileId ?? '');
}

/** A lightweight entity's id: one per label key per tenant. */
export function entityId(tenantId: string, label: string): string {
  return uuid5(tenantId, 'entity', labelKey(label));
}

/** The inverse name of an edge type, as an inbound step reports it (DOMAIN: `inv-<rel>`). */
export function inverseRel(rel: string): string {
  return rel.startsWith('inv-') ? rel.slice(4) : `inv-${rel}`;
}

/** An edge type from free text ("Related To", "relatedTo", "part-of" -> related_to, part_of). */
export function relName(text: string): string {
  return text
    .trim()
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1_$2')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * The label a link to a file meets: an Obsidian note is named by its file name without `.md`, so
 * `[x](people/Sarah%20Chen.md)`, `[[people/Sarah Chen]]` and `[[Sarah Chen]]` all reach "Sarah Chen".
 * Other files keep their extension (`report.pdf` is that file's name, also a label of it).
 */
export function noteLabel(path: string): string {
  const base = path.split(/[/\\]/).pop() ?? path;
  return base.replace(/\.(md|markdown)$/i, '').trim();
}

/** A tag as a node label: one leading '#', so a tag never meets a note of the same name. */
export function tagLabel(tag: string): string {
  return `#${tag.trim().replace(/^#+/, '')}`;
}

/** authored_by links for a document's authors (PDF info, ODF creator, EPUB dc:creator). */
export function authorLinks(authors: readonly (string | null | undefined)[]): DocLink[] {
  const seen = new Set<string>();
  const links: DocLink[] = [];
  for (const a of authors) {
    const name = a?.replace(SPACES, ' ').trim();
    if (!name || seen.has(labelKey(name))) continue;
    seen.add(labelKey(name));
    links.push({ target: name, rel: 'authored_by', targetType: 'person' });
  }
  return links;
}

/** Where a parsed link came from, for the edge's origin: reprocessing a file replaces these. */
export function linkOrigin(link: DocLink): 'markdown' | 'frontmatter' | 'email' | 'document' {
  if (link.rel === 'sent_by' || link.rel === 'sent_to') return 'email';
  if (link.rel === 'authored_by') return 'document';
  // Frontmatter links name the field they came from; body links do not.
  return typeof link.properties?.field === 'string' ? 'frontmatter' : 'markdown';
}

/** Every origin a file's own content produces (what the links deriver owns). */
export const LINK_ORIGINS = ['markdown', 'frontmatter', 'email', 'document'] as const;
