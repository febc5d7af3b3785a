import type { DocLink } from '../../domain/document.js';
import { noteLabel, relName, tagLabel } from '../../domain/graph.js';

// What an Obsidian-style note links to: [[wikilinks]] (with #heading and |alias), Markdown links
// to relative files, inline #tags, and frontmatter (tags, and any field holding [[links]]).
// Code is not prose: fenced blocks and inline code spans are skipped.

const FENCED = /^(```|~~~)[^\n]*\n[\s\S]*?^\1[ \t]*$/gm;
const INLINE_CODE = /`[^`\n]*`/g;
const WIKILINK = /(!?)\[\[([^\]\n]+?)\]\]/g;
const MD_LINK = /(!?)\[([^\]\n]*)\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g;
// Obsidian tags: after a line start or whitespace, letters/digits/_/-// , at least one non-digit.
const TAG = /(?:^|\s)#([\p{L}\p{N}_/-]*[\p{L}_/-][\p{L}\p{N}_/-]*)/gu;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const TAG_FIELDS = new Set(['tags', 'tag']);

/** Links in a note's body and frontmatter, each target once per edge type. */
export function markdownLinks(body: string, frontmatter: unknown): DocLink[] {
  const links = new LinkSet();
  const text = body.replace(FENCED, '').replace(INLINE_CODE, '');
  for (const m of text.matchAll(WIKILINK)) {
    const link = wikilink(m[2]!);
    if (link) links.add({ ...link, rel: 'links_to', properties: { ...link.properties, ...(m[1] ? { embed: true } : {}) } });
  }
  for (const m of text.matchAll(MD_LINK)) {
    const target = relativeFile(m[3]!);
    if (target) links.add({ target, rel: 'links_to', properties: { text: m[2]!, ...(m[1] ? { embed: true } : {}) } });
  }
  for (const m of text.matchAll(TAG)) links.add({ target: tagLabel(m[1]!), rel: 'tagged', targetType: 'tag' });
  if (typeof frontmatter === 'object' && frontmatter !== null && !Array.isArray(frontmatter)) {
    for (const [key, value] of Object.entries(frontmatter)) frontmatterLinks(key, value, links);
  }
  return links.list();
}

/** `Target`, `Target#Heading`, `Target|alias`, `folder/Target` -> the note's label. */
function wikilink(inner: string): Omit<DocLink, 'rel'> | null {
  const [ref = '', alias] = inner.split('|', 2);
  const [path = '', heading] = ref.split('#', 2);
  const target = noteLabel(path);
  if (target === '') return null;
  const properties: Record<string, unknown> = {};
  if (heading?.trim()) properties.heading = heading.trim();
  if (alias?.trim()) properties.alias = alias.trim();
  if (path.includes('/')) properties.path = path.trim();
  return { target, properties };
}

/** A relative file link's label; null for web links, mail links and in-page anchors. */
function relativeFile(href: string): string | null {
  if (SCHEME.test(href) || href.startsWith('#') || href.startsWith('//')) return null;
  let path = href.split(/[?#]/, 1)[0]!;
  try {
    path = decodeURIComponent(path);
  } catch {
    // A stray % is part of the name.
  }
  const target = noteLabel(path);
  return target === '' || target === '.' || target === '..' ? null : target;
}

function frontmatterLinks(key: string, value: unknown, links: LinkSet): void {
  const values = Array.isArray(value) ? value : [value];
  if (TAG_FIELDS.has(key.toLowerCase())) {
    // `tags: a, b` and `tags: [a, b]` are both common.
    const tags = values.flatMap((v) => (typeof v === 'string' ? v.split(/[,\s]+/) : typeof v === 'number' ? [String(v)] : []));
    for (const t of tags) if (t.replace(/^#+/, '') !== '') links.add({ target: tagLabel(t), rel: 'tagged', targetType: 'tag', properties: { field: key } });
    return;
  }
  const rel = relName(key);
  if (rel === '') return;
  const add = (inner: string) => {
    const link = wikilink(inner);
    if (link) links.add({ ...link, rel, properties: { ...link.properties, field: key } });
  };
  for (const v of values) {
    if (typeof v === 'string') for (const m of v.matchAll(WIKILINK)) add(m[2]!);
    // Unquoted `related: [[Sarah Chen]]` is YAML for a list in a list: [["Sarah Chen"]].
    else if (Array.isArray(v)) for (const inner of v) if (typeof inner === 'string') add(inner);
  }
}

/** Links deduplicated by (rel, target), first seen wins. */
class LinkSet {
  private readonly byKey = new Map<string, DocLink>();
  add(link: DocLink): void {
    const key = `${link.rel}\u0000${link.target.toLowerCase()}`;
    if (!this.byKey.has(key)) this.byKey.set(key, link);
  }
  list(): DocLink[] {
    return [...this.byKey.values()];
  }
}
