import { simpleParser } from 'mailparser';
import type { Block, ChildFile, RejectedMember } from '../../domain/document.js';
import { AppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { displayAddress, isoDate, type MailAddress } from './mail-document.js';
import { splitMbox } from './mbox-split.js';
import { slugify } from './names.js';

/** Index lines per list block, so a large mailbox's index chunks without one giant block. */
const INDEX_LINES_PER_BLOCK = 50;
/** Most header bytes read per message for the index; the full message goes to its child file. */
const MAX_HEADER_BYTES = 64 * 1024;

/** What the index shows of one message. */
interface IndexEntry {
  date: Date | null;
  from: MailAddress[];
  subject: string | null;
}

/**
 * Unix mailbox (mboxo/mboxrd): every message becomes its own .eml child, processed as an e-mail in
 * turn; the mailbox itself holds an index (date, sender, subject) of what it contains.
 */
export const mboxParser: Parser = {
  id: 'mbox',
  version: 1,
  mediaTypes: ['application/mbox'],
  extensions: ['.mbox', '.mbx'],
  async parse({ bytes }, ctx) {
    const messages = splitMbox(bytes);
    if (messages.length === 0) {
      throw new AppError('parser.failed', 'not a readable mailbox: no "From " separator line starts a message');
    }
    if (messages.length > ctx.limits.maxMembers) {
      throw new AppError('parser.limit_exceeded', `mailbox has ${messages.length} messages; the limit is ${ctx.limits.maxMembers}`);
    }
    const width = Math.max(4, String(messages.length).length);
    const children: ChildFile[] = [];
    const rejected: RejectedMember[] = [];
    const lines: string[] = [];
    const dates: Date[] = [];
    for (const [i, message] of messages.entries()) {
      if (ctx.signal.aborted) throw new AppError('parser.timeout', 'mailbox parse was stopped');
      const number = String(i + 1).padStart(width, '0');
      if (message.bytes.toString('latin1').trim() === '') {
        rejected.push({ path: `messages/${number}.eml`, code: 'parser.failed', reason: 'empty message: a separator line with nothing after it' });
        continue;
      }
      const entry = await indexEntry(message.bytes);
      const path = `messages/${number}-${slugify(entry.subject ?? undefined, 'no-subject')}.eml`;
      if (message.bytes.length > ctx.limits.maxMemberBytes) {
        rejected.push({ path, code: 'parser.limit_exceeded', reason: `message is ${message.bytes.length} bytes; the limit is ${ctx.limits.maxMemberBytes}` });
        continue;
      }
      if (entry.date !== null) dates.push(entry.date);
      lines.push(indexLine(entry));
      const metadata: Record<string, unknown> = { index: i + 1, postmark: message.postmark };
      if (entry.subject !== null) metadata.subject = entry.subject;
      const date = isoDate(entry.date);
      if (date !== null) metadata.date = date;
      children.push({ path, bytes: message.bytes, mimeType: 'message/rfc822', metadata });
    }
    if (children.length === 0) throw new AppError('parser.failed', 'mailbox holds no readable message: every message was empty or over the size limit');
    const range = dateRange(dates);
    const metadata: Record<string, unknown> = { messages: children.length, ...(range !== null ? { first_date: range.first, last_date: range.last } : {}) };
    return { title: null, blocks: indexBlocks(lines, range), metadata, children, ...(rejected.length > 0 ? { rejected } : {}) };
  },
};

// Only the header section is parsed here: the index needs date, sender and subject, and the body
// (with any attachments) is parsed once, when the child is processed as an e-mail.
async function indexEntry(message: Buffer): Promise<IndexEntry> {
  const text = message.subarray(0, MAX_HEADER_BYTES).toString('latin1');
  const end = /\r?\n\r?\n/.exec(text);
  const header = message.subarray(0, end === null ? Math.min(message.length, MAX_HEADER_BYTES) : end.index);
  const mail = await simpleParser(Buffer.concat([header, Buffer.from('\r\n\r\n')]), { skipHtmlToText: true, skipTextToHtml: true });
  const from = (mail.from?.value ?? []).map((e) => ({ name: e.name ?? '', address: e.address ?? '' }));
  const subject = mail.subject?.trim() ?? '';
  return { date: mail.date ?? null, from, subject: subject === '' ? null : subject };
}

function indexLine(entry: IndexEntry): string {
  const from = entry.from.map(displayAddress).filter((s) => s !== '').join(', ');
  const parts = [isoDate(entry.date) ?? '(no date)', from === '' ? '(no sender)' : from, (entry.subject ?? '(no subject)').replace(/\s+/g, ' ')];
  return `- ${parts.join(' · ')}`;
}

/** The earliest and latest message dates, as ISO strings. */
function dateRange(dates: Date[]): { first: string; last: string } | null {
  const times = dates.map((d) => d.getTime());
  if (times.length === 0) return null;
  return { first: isoDate(new Date(Math.min(...times)))!, last: isoDate(new Date(Math.max(...times)))! };
}

function indexBlocks(lines: string[], range: { first: string; last: string } | null): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 1, text: 'Mailbox' }];
  const span = range !== null ? `, from ${range.first} to ${range.last}` : '';
  blocks.push({ kind: 'paragraph', text: `${lines.length} message${lines.length === 1 ? '' : 's'}${span}.` });
  for (let i = 0; i < lines.length; i += INDEX_LINES_PER_BLOCK) {
    blocks.push({ kind: 'list', text: lines.slice(i, i + INDEX_LINES_PER_BLOCK).join('\n') });
  }
  return blocks;
}
