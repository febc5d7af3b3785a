import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { DEFAULT_PARSE_LIMITS, type ParseContext } from '../../ports/parser.js';
import { text } from './email.fixture.js';
import { emlParser } from './eml-parser.js';
import { mboxParser } from './mbox-parser.js';

const MBOX = [
  'From alice@example.com Mon Jan  1 10:00:00 2024',
  'From: Alice <alice@example.com>',
  'Subject: Kick-off: agenda & notes',
  'Date: Mon, 01 Jan 2024 10:00:00 +0000',
  '',
  'Agenda attached.',
  '>From the minutes: this line was escaped by the mailbox writer.',
  '>>From a quote of a quote.',
  'From here on we go (no date on this line, so not a separator).',
  '',
  'From bob@example.com Tue Jan  2 11:30:00 2024',
  'From: bob@example.com',
  'Subject: =?UTF-8?Q?R=C3=A9ponse?=',
  'Date: Tue, 02 Jan 2024 11:30:00 +0000',
  '',
  'Merci.',
  '',
  'From - Wed Jan 03 09:15:00 2024',
  'From: carol@example.com',
  'Date: Wed, 03 Jan 2024 09:15:00 +0000',
  '',
  'No subject here.',
  '',
];

const parse = (lines: string[], eol = '\n', overrides: Partial<ParseContext> = {}) =>
  mboxParser.parse({ bytes: Buffer.from(lines.join(eol)), name: 'box.mbox', mimeType: 'application/mbox' }, testParseContext(overrides));

describe('mboxParser', () => {
  it('splits messages into .eml children and indexes them', async () => {
    const doc = await parse(MBOX);
    expect(doc.children?.map((c) => [c.path, c.mimeType])).toEqual([
      ['messages/0001-kick-off-agenda-notes.eml', 'message/rfc822'],
      ['messages/0002-reponse.eml', 'message/rfc822'],
      ['messages/0003-no-subject.eml', 'message/rfc822'],
    ]);
    expect(doc.children![0]!.metadata).toEqual({ index: 1, postmark: 'From alice@example.com Mon Jan  1 10:00:00 2024', subject: 'Kick-off: agenda & notes', date: '2024-01-01T10:00:00Z' });
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Mailbox' },
      { kind: 'paragraph', text: '3 messages, from 2024-01-01T10:00:00Z to 2024-01-03T09:15:00Z.' },
      {
        kind: 'list',
        text: [
          '- 2024-01-01T10:00:00Z · alice@example.com (Alice) · Kick-off: agenda & notes',
          '- 2024-01-02T11:30:00Z · bob@example.com · Réponse',
          '- 2024-01-03T09:15:00Z · carol@example.com · (no subject)',
        ].join('\n'),
      },
    ]);
    expect(doc.metadata).toEqual({ messages: 3, first_date: '2024-01-01T10:00:00Z', last_date: '2024-01-03T09:15:00Z' });
  });

  it('un-escapes ">From " lines, keeps undated "From " body lines, and drops the separator line', async () => {
    const doc = await parse(MBOX);
    const first = doc.children![0]!.bytes.toString();
    expect(first.startsWith('From: Alice <alice@example.com>\n')).toBe(true);
    expect(first).toContain('\nFrom the minutes: this line was escaped by the mailbox writer.\n>From a quote of a quote.\nFrom here on we go');
    // RFC 4155's blank line between messages belongs to the mailbox, not the message.
    expect(first.endsWith('(no date on this line, so not a separator).\n')).toBe(true);
    // Each child is a message the e-mail parser reads in turn.
    const child = await emlParser.parse({ bytes: doc.children![0]!.bytes, name: 'm.eml', mimeType: 'message/rfc822' }, testParseContext());
    expect(child.title).toBe('Kick-off: agenda & notes');
    expect(text(child)).toContain('From the minutes: this line was escaped');
  });

  it('reads CRLF mailboxes and keeps message bytes as they were', async () => {
    // A raw UTF-8 subject and a Latin-1 body: the bytes must come through untouched either way.
    const message = Buffer.concat([Buffer.from('Subject: café\r\n\r\n'), Buffer.from('body \xe9\r\n', 'latin1')]);
    const bytes = Buffer.concat([Buffer.from('From x@example.com Thu Feb  1 08:00:00 2024\r\n'), message]);
    const doc = await mboxParser.parse({ bytes, name: 'b.mbox', mimeType: 'application/mbox' }, testParseContext());
    expect(doc.children![0]!.bytes.equals(message)).toBe(true);
    expect(doc.children![0]!.path).toBe('messages/0001-cafe.eml');
  });

  it('fails an empty mailbox or one without separator lines', async () => {
    for (const lines of [[], ['From: someone@example.com', 'Subject: a lone message, not a mailbox', '', 'text']]) {
      await expect(parse(lines)).rejects.toMatchObject({ code: 'parser.failed', message: 'not a readable mailbox: no "From " separator line starts a message' });
    }
  });

  it('enforces the member limit and refuses empty messages', async () => {
    await expect(parse(MBOX, '\n', { limits: { ...DEFAULT_PARSE_LIMITS, maxMembers: 2 } })).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: 'mailbox has 3 messages; the limit is 2',
    });
    const doc = await parse(['From a@example.com Mon Jan  1 10:00:00 2024', '', 'From b@example.com Mon Jan  1 11:00:00 2024', 'Subject: real', '', 'body', '']);
    expect(doc.children?.map((c) => c.path)).toEqual(['messages/0002-real.eml']);
    expect(doc.rejected).toEqual([{ path: 'messages/0001.eml', code: 'parser.failed', reason: 'empty message: a separator line with nothing after it' }]);
  });
});
