import type { Block } from '../../domain/document.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import { htmlToMarkdown } from '../html/to-markdown.js';
import { attr, childElements, cleanText } from '../shared/zip-xml.js';

// RSS 2.0, RSS 1.0 (RDF) and Atom feeds: the feed title as heading 1, each item as heading 2 with
// a line of facts (date, author, link, categories) and its content as Markdown blocks. Elements are
// matched by local name, so dc:creator, content:encoded and a default-namespaced Atom feed all read.

/** A feed read into blocks, with its own metadata. */
export interface FeedDocument {
  title: string | null;
  blocks: Block[];
  metadata: Record<string, unknown>;
}

type ContentType = 'text' | 'html' | 'xhtml';

/** The feed in this document, or null when the root is not a feed (the caller renders it generically). */
export async function readFeed(root: Element): Promise<FeedDocument | null> {
  const channel = childElements(root, 'channel')[0];
  if (root.localName === 'rss' && channel !== undefined) return rssFeed('rss', channel, childElements(channel, 'item'));
  // RSS 1.0 puts its items beside the channel, not inside it.
  if (root.localName === 'RDF' && channel !== undefined) return rssFeed('rdf', channel, childElements(root, 'item'));
  if (root.localName === 'feed') return atomFeed(root);
  return null;
}

async function rssFeed(kind: 'rss' | 'rdf', channel: Element, items: Element[]): Promise<FeedDocument> {
  const title = childText(channel, 'title');
  const link = childText(channel, 'link');
  const blocks: Block[] = [];
  if (title !== '') blocks.push({ kind: 'heading', level: 1, text: title });
  blocks.push(...(await contentBlocks(firstContent(channel, 'description'), 'html')));
  for (const [i, item] of items.entries()) {
    const creators = childElements(item, 'creator').map((c) => cleanText(c.textContent)).filter((c) => c !== '');
    const facts = factLine([
      ['Published', childText(item, 'pubDate') || childText(item, 'date')],
      ['Author', creators.join(', ') || childText(item, 'author')],
      ['Link', childText(item, 'link')],
      ['Categories', childElements(item, 'category').map((c) => cleanText(c.textContent)).filter((c) => c !== '').join(', ')],
    ]);
    blocks.push({ kind: 'heading', level: 2, text: childText(item, 'title') || `Item ${i + 1}` });
    if (facts !== null) blocks.push(facts);
    // content:encoded is the full post; description is often only its teaser.
    const body = firstContent(item, 'encoded') || firstContent(item, 'description');
    blocks.push(...(await contentBlocks(body, 'html')));
  }
  const metadata: Record<string, unknown> = { feed: kind, title: title || null, link: link || null, items: items.length };
  const language = childText(channel, 'language');
  if (language !== '') metadata.language = language;
  return { title: title || null, blocks, metadata };
}

async function atomFeed(feed: Element): Promise<FeedDocument> {
  const title = constructText(childElements(feed, 'title')[0]);
  const link = alternateLink(feed);
  const entries = childElements(feed, 'entry');
  const blocks: Block[] = [];
  if (title !== '') blocks.push({ kind: 'heading', level: 1, text: title });
  const subtitle = childElements(feed, 'subtitle')[0];
  if (subtitle !== undefined) blocks.push(...(await contentBlocks(subtitle.textContent ?? '', contentType(subtitle), subtitle)));
  for (const [i, entry] of entries.entries()) {
    const published = childText(entry, 'published');
    const updated = childText(entry, 'updated');
    const facts = factLine([
      ['Published', published],
      ['Updated', updated === published ? '' : updated],
      ['Author', childElements(entry, 'author').map((a) => childText(a, 'name')).filter((n) => n !== '').join(', ')],
      ['Link', alternateLink(entry)],
      ['Categories', childElements(entry, 'category').map((c) => attr(c, 'label') ?? attr(c, 'term') ?? '').filter((c) => c !== '').join(', ')],
    ]);
    blocks.push({ kind: 'heading', level: 2, text: constructText(childElements(entry, 'title')[0]) || `Entry ${i + 1}` });
    if (facts !== null) blocks.push(facts);
    // Content with a src attribute lives elsewhere; the summary is then all there is here.
    const content = [...childElements(entry, 'content').filter((c) => attr(c, 'src') === null), ...childElements(entry, 'summary')].find(
      (c) => cleanText(c.textContent) !== '',
    );
    if (content !== undefined) blocks.push(...(await contentBlocks(content.textContent ?? '', contentType(content), content)));
  }
  return { title: title || null, blocks, metadata: { feed: 'atom', title: title || null, link: link || null, items: entries.length } };
}

/** Text of the first child with this local name that has any (RSS feeds mix an empty Atom <link href> in with <link>). */
function childText(el: Element, localName: string): string {
  for (const c of childElements(el, localName)) {
    const text = cleanText(c.textContent);
    if (text !== '') return text;
  }
  return '';
}

/** Raw (uncollapsed) text of the first non-empty child with this local name: HTML bodies keep their layout. */
function firstContent(el: Element, localName: string): string {
  return childElements(el, localName).find((c) => cleanText(c.textContent) !== '')?.textContent ?? '';
}

/** An Atom link to the resource itself: rel="alternate", or no rel at all. */
function alternateLink(el: Element): string {
  for (const l of childElements(el, 'link')) {
    const rel = attr(l, 'rel');
    const href = attr(l, 'href');
    if ((rel === null || rel === 'alternate') && href !== null && href.trim() !== '') return href.trim();
  }
  return '';
}

/** How an Atom text construct is encoded (its type attribute: text, html, xhtml or a media type). */
function contentType(el: Element): ContentType {
  const type = (attr(el, 'type') ?? 'text').toLowerCase();
  if (type === 'xhtml' || type.endsWith('xhtml+xml')) return 'xhtml';
  return type === 'html' || type === 'text/html' ? 'html' : 'text';
}

/** One line of an item's facts, or null when it has none. */
function factLine(facts: [string, string][]): Block | null {
  const present = facts.filter(([, value]) => value !== '');
  return present.length === 0 ? null : { kind: 'paragraph', text: present.map(([label, value]) => `${label}: ${value}`).join(' · ') };
}

/** An Atom title as plain text, whatever its type: escaped HTML loses its tags, inline XHTML is read as its text. */
function constructText(el: Element | undefined): string {
  if (el === undefined) return '';
  const text = el.textContent ?? '';
  return cleanText(contentType(el) === 'html' ? decodeEntities(text.replace(/<[^>]*>/g, ' ')) : text);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (m, e: string) => {
    if (e[0] !== '#') return ENTITIES[e.toLowerCase()] ?? m;
    const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/**
 * Feed content as blocks: HTML through the shared HTML -> Markdown path, with its headings pushed
 * below the item's level-2 heading; plain text split into paragraphs.
 */
async function contentBlocks(raw: string, type: ContentType, el?: Element): Promise<Block[]> {
  if (raw.trim() === '') return [];
  if (type === 'text') {
    return raw
      .split(/\n\s*\n/)
      .map((p) => p.trim())
      .filter((p) => p !== '')
      .map((text) => ({ kind: 'paragraph', text }));
  }
  // Inline XHTML is markup, not escaped text: serialise its nodes back to HTML (xmldom's toString).
  const html = type === 'xhtml' && el !== undefined ? Array.from(el.childNodes, (n) => String(n)).join('') : raw;
  return markdownToBlocks(await htmlToMarkdown(html)).map((b) => (b.kind === 'heading' ? { ...b, level: Math.min(6, b.level + 2) } : b));
}
