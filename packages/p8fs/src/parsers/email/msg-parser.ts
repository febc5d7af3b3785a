import msgreader, { type FieldsData } from '@kenjiuno/msgreader';
import type { Block, RejectedMember } from '../../domain/document.js';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { attachmentChildren, type RawAttachment } from './attachments.js';
import { decompressRtf, rtfToHtmlString } from './compressed-rtf.js';
import { bodyFromHtml, bodyFromText, isoDate, type MailAddress, type MailEnvelope, mailBlocks, mailboxText, mailLinks } from './mail-document.js';

// The package is CommonJS with `exports.default = MsgReader`. Node's ESM loader hands over the
// exports object (the class is its `default`); vitest's loader unwraps it to the class. Accept both.
type MsgReaderClass = typeof msgreader.default;
const MsgReader: MsgReaderClass = (msgreader as { default?: MsgReaderClass }).default ?? (msgreader as unknown as MsgReaderClass);
type Reader = InstanceType<typeof MsgReader>;

/** Outlook item (.msg, a CFB file): envelope, body (text, else HTML, else RTF), attachments as child files. */
export const msgParser: Parser = {
  id: 'msg',
  version: 2,
  mediaTypes: ['application/vnd.ms-outlook'],
  extensions: ['.msg'],
  containers: ['application/x-cfb'],
  async parse({ bytes }, ctx) {
    const { reader, data } = open(bytes);
    const envelope: MailEnvelope = {
      from: sender(data),
      to: recipients(data, 'to'),
      cc: recipients(data, 'cc'),
      bcc: recipients(data, 'bcc'),
      date: firstDate(data.clientSubmitTime, data.messageDeliveryTime, data.creationTime),
      subject: nonEmpty(data.subject),
    };
    const unreadable: RejectedMember[] = [];
    const raw = readAttachments(reader, data, unreadable);
    const set = attachmentChildren(raw, ctx.limits);
    const { blocks: body, source, error } = await bodyOf(data, ctx.limits.maxMemberBytes);
    const metadata: Record<string, unknown> = {};
    const put = (key: string, value: unknown) => {
      if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) metadata[key] = value;
    };
    put('from', envelope.from.map(mailboxText).join(', ') || null);
    put('to', envelope.to.map(mailboxText));
    put('cc', envelope.cc.map(mailboxText));
    put('bcc', envelope.bcc.map(mailboxText));
    put('date', isoDate(envelope.date));
    put('subject', envelope.subject);
    put('message_id', nonEmpty(data.messageId));
    put('in_reply_to', transportHeader(data.headers, 'in-reply-to'));
    put('message_class', nonEmpty(data.messageClass));
    put('body_source', source);
    put('body_error', error);
    put('attachments', set.summaries);
    const rejected = [...unreadable, ...set.rejected];
    const links = mailLinks(envelope);
    return {
      title: envelope.subject,
      blocks: mailBlocks(envelope, body, set.summaries),
      metadata,
      ...(links.length > 0 ? { links } : {}),
      ...(set.children.length > 0 ? { children: set.children } : {}),
      ...(rejected.length > 0 ? { rejected } : {}),
    };
  },
};

function open(bytes: Buffer): { reader: Reader; data: FieldsData } {
  try {
    const reader = new MsgReader(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const data = reader.getFileData();
    if (data.dataType !== 'msg') throw new Error(data.error ?? 'no message properties found');
    return { reader, data };
  } catch (err) {
    throw new AppError('parser.corrupt', `not a readable Outlook message: ${errorMessage(err)}`);
  }
}

// Exchange senders carry an X.500 DN in senderEmail; the SMTP address lives in other properties.
function sender(data: FieldsData): MailAddress[] {
  const smtp = [data.senderSmtpAddress, data.sentRepresentingSmtpAddress, data.creatorSMTPAddress].map(nonEmpty).find((s) => s !== null);
  const address = smtp ?? smtpOnly(data.senderEmail);
  const name = nonEmpty(data.senderName) ?? '';
  return address === '' && name === '' ? [] : [{ name, address }];
}

function recipients(data: FieldsData, type: 'to' | 'cc' | 'bcc'): MailAddress[] {
  return (data.recipients ?? [])
    .filter((r) => r.recipType === type)
    .map((r) => {
      return { name: nonEmpty(r.name) ?? '', address: nonEmpty(r.smtpAddress) ?? smtpOnly(r.email) };
    })
    .filter((a) => a.name !== '' || a.address !== '');
}

/** The address when it is an SMTP one; '' for an Exchange X.500 DN, which no one searches by. */
function smtpOnly(email: string | undefined): string {
  const trimmed = nonEmpty(email) ?? '';
  return trimmed.includes('@') ? trimmed : '';
}

function readAttachments(reader: Reader, data: FieldsData, rejected: RejectedMember[]): RawAttachment[] {
  const out: RawAttachment[] = [];
  for (const [i, att] of (data.attachments ?? []).entries()) {
    const label = nonEmpty(att.fileName) ?? nonEmpty(att.name) ?? `attachment-${i + 1}`;
    try {
      // Embedded messages come back as a freshly written .msg, processed as its own message in turn.
      const { fileName, content } = reader.getAttachment(att);
      const embedded = att.innerMsgContent === true;
      const metadata: Record<string, unknown> = {};
      if (nonEmpty(att.pidContentId) !== null) metadata.content_id = att.pidContentId;
      if (att.attachmentHidden === true) metadata.hidden = true;
      if (embedded) metadata.embedded_message = true;
      out.push({
        name: nonEmpty(fileName) ?? nonEmpty(att.name),
        bytes: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
        mimeType: nonEmpty(att.attachMimeTag) ?? (embedded ? 'application/vnd.ms-outlook' : null),
        metadata,
      });
    } catch (err) {
      // OLE-object attachments and damaged streams have no readable content; the rest go on.
      rejected.push({ path: `attachments/${label}`, code: 'parser.corrupt', reason: `attachment could not be read: ${errorMessage(err)}` });
    }
  }
  return out;
}

interface Body {
  blocks: Block[];
  source: 'text' | 'html' | 'rtf' | null;
  error: string | null;
}

async function bodyOf(data: FieldsData, maxBytes: number): Promise<Body> {
  const text = nonEmpty(data.body);
  if (text !== null) return { blocks: bodyFromText(text), source: 'text', error: null };
  const html = nonEmpty(data.bodyHtml) ?? (data.html !== undefined ? decodeCodepage(data.html, data.internetCodepage) : null);
  if (html !== null && html.trim() !== '') return { blocks: await bodyFromHtml(html), source: 'html', error: null };
  if (data.compressedRtf === undefined || data.compressedRtf.length === 0) return { blocks: [], source: null, error: null };
  try {
    const rtf = decompressRtf(data.compressedRtf, maxBytes).toString('latin1');
    return { blocks: await bodyFromHtml(await rtfToHtmlString(rtf)), source: 'rtf', error: null };
  } catch (err) {
    // The envelope and attachments are still worth keeping; say why the body is missing.
    return { blocks: [], source: null, error: `RTF body could not be read: ${errorMessage(err)}` };
  }
}

// Windows code pages that WHATWG TextDecoder knows under another label.
const CODEPAGE_LABELS: Record<number, string> = {
  65001: 'utf-8',
  1200: 'utf-16le',
  1201: 'utf-16be',
  20127: 'us-ascii',
  932: 'shift_jis',
  936: 'gbk',
  949: 'euc-kr',
  950: 'big5',
  20866: 'koi8-r',
  21866: 'koi8-u',
  50220: 'iso-2022-jp',
  51932: 'euc-jp',
  54936: 'gb18030',
};

/** Decode PidTagHtml bytes by the message's Internet code page; UTF-8 when it names none we know. */
function decodeCodepage(bytes: Uint8Array, codepage: number | undefined): string {
  const cp = codepage ?? 65001;
  const label = CODEPAGE_LABELS[cp] ?? (cp >= 28591 && cp <= 28606 ? `iso-8859-${cp - 28590}` : `windows-${cp}`);
  try {
    return new TextDecoder(label).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

/** One field of the saved Internet headers (PidTagTransportMessageHeaders), unfolded. */
function transportHeader(headers: string | undefined, name: string): string | null {
  if (headers === undefined) return null;
  const match = new RegExp(`^${name}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(headers);
  return match === null ? null : nonEmpty(match[1]!.replace(/\r?\n[ \t]+/g, ' '));
}

function firstDate(...values: (string | undefined)[]): Date | null {
  for (const v of values) {
    if (v === undefined) continue;
    const d = new Date(v);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return null;
}

function nonEmpty(s: string | undefined | null): string | null {
  return s === undefined || s === null || s.trim() === '' ? null : s.trim();
}
