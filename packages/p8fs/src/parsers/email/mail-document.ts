import type { Block, DocLink } from '../../domain/document.js';
import { markdownToBlocks } from '../../domain/markdown-blocks.js';
import { htmlToMarkdown } from '../html/to-markdown.js';
import { textToParagraphs } from '../text/text-parser.js';

// The block layout shared by the .eml and .msg parsers, so a message reads (and chunks) the same
// whichever client saved it: "# Email Message", the envelope as a list, "## Content", the body,
// then "## Attachments". The headings follow markitdown's layout, which the corpus checks.

/** One mailbox; `address` may be empty (Outlook keeps display-only recipients). */
export interface MailAddress {
  name: string;
  address: string;
}

/** The envelope fields shown at the top of a message. */
export interface MailEnvelope {
  from: MailAddress[];
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  date: Date | null;
  subject: string | null;
}

/** An attachment as listed in the message's text and metadata. */
export interface AttachmentSummary {
  name: string;
  size: number;
  mime: string | null;
}

const BODY = /<body\b[^>]*>([\s\S]*)<\/body\s*>/i;

/**
 * An address for reading: "alice@example.com (Alice Example)". The address comes first so a search
 * for it matches the start of the line, and the form is RFC 822's own address-with-comment.
 */
export function displayAddress(a: MailAddress): string {
  const name = a.name.trim();
  const address = a.address.trim();
  if (address === '') return name;
  return name === '' || name.toLowerCase() === address.toLowerCase() ? address : `${address} (${name})`;
}

/** An address for metadata, in the usual "Name <address>" form. */
export function mailboxText(a: MailAddress): string {
  const name = a.name.trim();
  const address = a.address.trim();
  if (address === '') return name;
  return name === '' || name.toLowerCase() === address.toLowerCase() ? address : `${name} <${address}>`;
}

/**
 * The message's people for the knowledge graph: the sender (sent_by) and the To/Cc recipients
 * (sent_to), each a person node named by display name, else address; the address rides along.
 */
export function mailLinks(envelope: MailEnvelope): DocLink[] {
  const links: DocLink[] = [];
  const seen = new Set<string>();
  const add = (rel: string, a: MailAddress, role: string) => {
    const name = a.name.replace(/\s+/g, ' ').trim();
    const address = a.address.trim();
    const target = name !== '' ? name : address;
    if (target === '' || seen.has(`${rel} ${target.toLowerCase()}`)) return;
    seen.add(`${rel} ${target.toLowerCase()}`);
    links.push({ target, rel, targetType: 'person', properties: { role, ...(address !== '' ? { email: address } : {}) } });
  };
  for (const a of envelope.from) add('sent_by', a, 'from');
  for (const a of envelope.to) add('sent_to', a, 'to');
  for (const a of envelope.cc) add('sent_to', a, 'cc');
  return links;
}

/** ISO 8601 without milliseconds, or null for a missing or unparseable date. */
export function isoDate(date: Date | null | undefined): string | null {
  if (date === null || date === undefined || Number.isNaN(date.getTime())) return null;
  return date.toISOString().replace('.000Z', 'Z');
}

/** The blocks of a whole message: envelope, body, attachment list. */
export function mailBlocks(envelope: MailEnvelope, body: Block[], attachments: AttachmentSummary[]): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: 'Email Message' }];
  const lines: string[] = [];
  const field = (label: string, value: string | null) => {
    if (value !== null && value.trim() !== '') lines.push(`- **${label}:** ${value.replace(/\s+/g, ' ').trim()}`);
  };
  const list = (as: MailAddress[]) => as.map(displayAddress).filter((s) => s !== '').join(', ');
  field('From', list(envelope.from));
  field('To', list(envelope.to));
  field('Cc', list(envelope.cc));
  field('Bcc', list(envelope.bcc));
  field('Date', isoDate(envelope.date));
  field('Subject', envelope.subject);
  if (lines.length > 0) blocks.push({ kind: 'list', text: lines.join('\n') });
  if (body.length > 0) blocks.push({ kind: 'heading', level: 2, text: 'Content' }, ...nestUnderContent(body));
  if (attachments.length > 0) {
    blocks.push({ kind: 'heading', level: 2, text: 'Attachments' });
    blocks.push({ kind: 'list', text: attachments.map((a) => `- ${a.name} (${[a.mime, `${a.size} bytes`].filter((s) => s !== null).join(', ')})`).join('\n') });
  }
  return blocks;
}

/** Body blocks from a plain-text part: paragraphs on blank lines (mail text is not Markdown). */
export function bodyFromText(text: string): Block[] {
  return textToParagraphs(text);
}

/** Body blocks from an HTML part, through the shared HTML -> Markdown path. */
export async function bodyFromHtml(html: string): Promise<Block[]> {
  // A full HTML document's <head> holds styles and a <title> that are not part of what was written.
  return markdownToBlocks(await htmlToMarkdown(BODY.exec(html)?.[1] ?? html));
}

// An HTML body's own "# Heading" would otherwise rank beside "# Email Message" in heading paths.
function nestUnderContent(body: Block[]): Block[] {
  return body.map((b) => (b.kind === 'heading' ? { ...b, level: Math.min(6, b.level + 2) } : b));
}
