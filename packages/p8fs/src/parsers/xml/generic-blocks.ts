import type { Block } from '../../domain/document.js';
import { childElements, cleanText } from '../shared/zip-xml.js';

// Any XML that is not a feed: its element tree as an outline. An element with child elements is a
// container and becomes a heading (nested by depth, up to heading level 6); an element with only
// text, or mixed text and markup, becomes one "name: text" line. Runs of such lines share a
// paragraph. Below level 6 containers flatten into "a/b/c: text" lines. Attributes are kept
// briefly in parentheses; namespace declarations go to metadata instead.

const MAX_HEADING_LEVEL = 6;
/** Attributes shown per element, and characters per attribute value: enough to identify, not to dump. */
const MAX_ATTRIBUTES = 6;
const MAX_ATTRIBUTE_CHARS = 80;

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;
const CDATA_NODE = 4;

/** A generic XML document as blocks, with its root and namespaces for metadata. */
export function genericXml(root: Element): { title: string | null; blocks: Block[]; metadata: Record<string, unknown> } {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: label(root) }];
  // A root with text of its own (a single value, or mixed content) reads as that text.
  const rootText = isLeaf(root) ? cleanText(root.textContent) : '';
  if (rootText !== '') blocks.push({ kind: 'paragraph', text: rootText });
  else containerBlocks(root, 1, blocks);
  const namespaces: Record<string, string> = {};
  let elements = 0;
  const walk = (el: Element): void => {
    elements++;
    for (const a of Array.from(el.attributes)) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) namespaces[a.name === 'xmlns' ? '' : a.name.slice(6)] ??= a.value;
    }
    for (const c of childElements(el)) walk(c);
  };
  walk(root);
  const titleElement = childElements(root, 'title').find((t) => isLeaf(t));
  const title = cleanText(titleElement?.textContent) || null;
  return { title, blocks, metadata: { root: root.nodeName, namespace: root.namespaceURI ?? null, namespaces, elements } };
}

function containerBlocks(el: Element, level: number, out: Block[]): void {
  let lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) out.push({ kind: 'paragraph', text: lines.join('\n') });
    lines = [];
  };
  for (const child of childElements(el)) {
    if (isLeaf(child)) {
      const line = leafLine(child, child.nodeName);
      if (line !== null) lines.push(line);
    } else if (level < MAX_HEADING_LEVEL) {
      flush();
      out.push({ kind: 'heading', level: level + 1, text: label(child) });
      containerBlocks(child, level + 1, out);
    } else {
      lines.push(...flatLines(child, child.nodeName));
    }
  }
  flush();
}

/** A container too deep for its own heading, as "path: text" lines. */
function flatLines(el: Element, path: string): string[] {
  if (isLeaf(el)) {
    const line = leafLine(el, path);
    return line === null ? [] : [line];
  }
  const attrs = attributeText(el);
  const own = attrs === '' ? [] : [`${path} (${attrs})`];
  return [...own, ...childElements(el).flatMap((c) => flatLines(c, `${path}/${c.nodeName}`))];
}

/** True for an element read as one line: no child elements, or text of its own beside them (mixed content). */
function isLeaf(el: Element): boolean {
  let hasElements = false;
  for (let c = el.firstChild; c !== null; c = c.nextSibling) {
    if ((c.nodeType === TEXT_NODE || c.nodeType === CDATA_NODE) && cleanText(c.nodeValue) !== '') return true;
    if (c.nodeType === ELEMENT_NODE) hasElements = true;
  }
  return !hasElements;
}

/** "path (attributes): text", or null for an empty element with no attributes. */
function leafLine(el: Element, path: string): string | null {
  const text = cleanText(el.textContent);
  const attrs = attributeText(el);
  if (text === '' && attrs === '') return null;
  return `${path}${attrs === '' ? '' : ` (${attrs})`}${text === '' ? '' : `: ${text}`}`;
}

/** An element's name with its attributes, for a heading. */
function label(el: Element): string {
  const attrs = attributeText(el);
  return attrs === '' ? el.nodeName : `${el.nodeName} (${attrs})`;
}

function attributeText(el: Element): string {
  const shown = Array.from(el.attributes).filter((a) => a.name !== 'xmlns' && !a.name.startsWith('xmlns:'));
  const parts = shown.slice(0, MAX_ATTRIBUTES).map((a) => {
    const value = cleanText(a.value);
    return `${a.name}=${value.length > MAX_ATTRIBUTE_CHARS ? `${value.slice(0, MAX_ATTRIBUTE_CHARS)}…` : value}`;
  });
  if (shown.length > MAX_ATTRIBUTES) parts.push(`+${shown.length - MAX_ATTRIBUTES} more`);
  return parts.join(', ');
}
