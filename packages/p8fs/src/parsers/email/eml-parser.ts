import { type AddressObject, type Attachment, type EmailAddress, type HeaderValue, type ParsedMail, simpleParser } from 'mailparser';
import type { Block } from '../../domain/document.js';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { attachmentChildren, type RawAttachment } from './attachments.js';
import { bodyFromHtml, bodyFromText, isoDate, type MailAddress, type MailEnvelope, mailBlocks, mailboxText, mailLinks } from './mail-document.js';

/** RFC 822 / MIME e-mail (.eml): envelope, body (text, else HTML), attachments as child files. */
export const emlParser: Parser = {
  id: 'eml',
  version: 2,
  mediaTypes: ['message/rfc822'],
  extensions: ['.eml'],
  async parse({ bytes }, ctx) {
    const mail = await readMail(bytes);
    refuseEncrypted(mail);
    const envelope: MailEnvelope = {
      from: addresses(mail.from),
      to: addresses(mail.to),
      cc: addresses(mail.cc),
      bcc: addresses(mail.bcc),
      date: mail.date ?? null,
      subject: nonEmpty(mail.subject),
    };
    const set = attachmentChildren(mail.attachments.map(rawAttachment), ctx.limits);
    const blocks = mailBlocks(envelope, await body(mail), set.summaries);
    const links = mailLinks(envelope);
    return {
      title: envelope.subject,
      blocks,
      metadata: metadataOf(mail, envelope, set.summaries),
      ...(links.length > 0 ? { links } : {}),
      ...(set.children.length > 0 ? { children: set.children } : {}),
      ...(set.rejected.length > 0 ? { rejected: set.rejected } : {}),
    };
  },
};

async function readMail(bytes: Buffer): Promise<ParsedMail> {
  let mail: ParsedMail;
  try {
    // Our own paths decide the body: no text made up from HTML (we want to know which the sender
    // wrote), no HTML made from text, and cid: images left as references rather than inlined base64.
    mail = await simpleParser(bytes, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, skipTextLinks: true });
  } catch (err) {
    if (isAppError(err)) throw err;
    throw new AppError('parser.corrupt', `not a readable e-mail message: ${errorMessage(err)}`);
  }
  // mailparser accepts anything; a message without a single header field is not one.
  if (mail.headers.size === 0) throw new AppError('parser.corrupt', 'not an e-mail message: no header fields found');
  return mail;
}

// S/MIME and PGP/MIME encrypted bodies are opaque without the recipient's key.
function refuseEncrypted(mail: ParsedMail): void {
  const type = contentType(mail.headers.get('content-type'));
  if (type === null) return;
  const encrypted = type.value === 'multipart/encrypted' || ((type.value === 'application/pkcs7-mime' || type.value === 'application/x-pkcs7-mime') && type.smimeType !== 'signed-data');
  if (encrypted) throw new AppError('parser.encrypted', `message body is encrypted (${type.value}); it cannot be read without the recipient's key`);
}

function contentType(header: HeaderValue | undefined): { value: string; smimeType: string } | null {
  if (header === undefined || typeof header !== 'object' || header instanceof Date || Array.isArray(header) || !('value' in header)) return null;
  const params: Record<string, unknown> = 'params' in header && typeof header.params === 'object' ? { ...header.params } : {};
  return { value: String(header.value).toLowerCase(), smimeType: String(params['smime-type'] ?? '').toLowerCase() };
}

async function body(mail: ParsedMail): Promise<Block[]> {
  const text = nonEmpty(mail.text);
  if (text !== null) return bodyFromText(text);
  if (typeof mail.html === 'string' && mail.html.trim() !== '') return bodyFromHtml(mail.html);
  return [];
}

function rawAttachment(a: Attachment): RawAttachment {
  const metadata: Record<string, unknown> = {};
  if (a.contentDisposition !== undefined) metadata.disposition = a.contentDisposition;
  if (a.cid !== undefined) metadata.content_id = a.cid;
  return { name: a.filename ?? null, bytes: a.content, mimeType: a.contentType || null, metadata };
}

function addresses(field: AddressObject | AddressObject[] | undefined): MailAddress[] {
  if (field === undefined) return [];
  const flatten = (list: EmailAddress[]): MailAddress[] =>
    // A group ("Team: a@x, b@y;") is its members; an empty group still names who it was.
    list.flatMap((e) => (e.group !== undefined && e.group.length > 0 ? flatten(e.group) : [{ name: e.name ?? '', address: e.address ?? '' }]));
  return (Array.isArray(field) ? field : [field]).flatMap((f) => flatten(f.value)).filter((a) => a.name !== '' || a.address !== '');
}

function metadataOf(mail: ParsedMail, envelope: MailEnvelope, attachments: unknown[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  const set = (key: string, value: unknown) => {
    if (value !== null && value !== undefined && !(Array.isArray(value) && value.length === 0)) metadata[key] = value;
  };
  set('from', envelope.from.map(mailboxText).join(', ') || null);
  set('to', envelope.to.map(mailboxText));
  set('cc', envelope.cc.map(mailboxText));
  set('bcc', envelope.bcc.map(mailboxText));
  set('date', isoDate(envelope.date));
  set('subject', envelope.subject);
  set('message_id', nonEmpty(mail.messageId));
  set('in_reply_to', nonEmpty(mail.inReplyTo));
  set('attachments', attachments);
  return metadata;
}

function nonEmpty(s: string | undefined | null): string | null {
  return s === undefined || s === null || s.trim() === '' ? null : s.trim();
}
