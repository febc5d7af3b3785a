import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { DEFAULT_PARSE_LIMITS } from '../../ports/parser.js';
import { base64Lines, parseText, text } from './email.fixture.js';
import { emlParser } from './eml-parser.js';

const PDF = Buffer.from('%PDF-1.4\n% a tiny stand-in, enough to check bytes survive\n');

const MULTIPART = [
  'From: "Alice Example" <alice@example.com>',
  'To: Bob <bob@example.com>, carol@example.com',
  'Cc: Team: dave@example.com, erin@example.com;',
  'Date: Tue, 02 Jan 2024 10:30:00 +0100',
  'Subject: =?UTF-8?Q?Quarterly_r=C3=A9sum=C3=A9?=',
  'Message-ID: <m1@example.com>',
  'In-Reply-To: <m0@example.com>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  '--outer',
  'Content-Type: multipart/alternative; boundary="alt"',
  '',
  '--alt',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'Hi Bob,',
  '',
  'The r=C3=A9sum=C3=A9 is attached.',
  '--alt',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>HTML twin that should not be used</p>',
  '--alt--',
  '--outer',
  'Content-Type: application/pdf; name="report.pdf"',
  'Content-Transfer-Encoding: base64',
  'Content-Disposition: attachment; filename="report.pdf"',
  '',
  ...base64Lines(PDF),
  '--outer--',
  '',
];

describe('emlParser', () => {
  it('reads envelope, prefers the text body, and returns attachments as children', async () => {
    const doc = await parseText(emlParser, MULTIPART, 'a.eml');
    expect(doc.title).toBe('Quarterly résumé');
    expect(doc.blocks.slice(0, 2)).toEqual([
      { kind: 'heading', level: 1, text: 'Email Message' },
      {
        kind: 'list',
        text: [
          '- **From:** alice@example.com (Alice Example)',
          '- **To:** bob@example.com (Bob), carol@example.com',
          '- **Cc:** dave@example.com, erin@example.com',
          '- **Date:** 2024-01-02T09:30:00Z',
          '- **Subject:** Quarterly résumé',
        ].join('\n'),
      },
    ]);
    const rendered = text(doc);
    expect(rendered).toContain('## Content\n\nHi Bob,\n\nThe résumé is attached.');
    expect(rendered).not.toContain('HTML twin');
    expect(rendered).toContain('## Attachments\n\n- report.pdf (application/pdf, ');
    expect(doc.metadata).toEqual({
      from: 'Alice Example <alice@example.com>',
      to: ['Bob <bob@example.com>', 'carol@example.com'],
      cc: ['dave@example.com', 'erin@example.com'],
      date: '2024-01-02T09:30:00Z',
      subject: 'Quarterly résumé',
      message_id: '<m1@example.com>',
      in_reply_to: '<m0@example.com>',
      attachments: [{ name: 'report.pdf', size: PDF.length, mime: 'application/pdf' }],
    });
    expect(doc.children).toHaveLength(1);
    expect(doc.children![0]).toMatchObject({ path: 'attachments/report.pdf', mimeType: 'application/pdf' });
    expect(doc.children![0]!.bytes.equals(PDF)).toBe(true);
  });

  it('converts an HTML-only body through the HTML path, nesting its headings under Content', async () => {
    const doc = await parseText(
      emlParser,
      [
        'From: news@example.com',
        'Subject: Newsletter',
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><title>ignored title</title><style>p{color:red}</style></head>',
        '<body><h1>Big news</h1><p>We shipped <b>version 2</b>.</p><ul><li>faster</li><li>smaller</li></ul></body></html>',
      ],
      'n.eml',
    );
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 3, text: 'Big news' });
    const rendered = text(doc);
    expect(rendered).toContain('We shipped **version 2**.');
    expect(rendered).toMatch(/- +faster\n- +smaller/);
    expect(rendered).not.toMatch(/ignored title|color:red/);
  });

  it('makes hostile, missing and duplicate attachment names safe and unique', async () => {
    const part = (headers: string[], body: string) => ['--b', ...headers, 'Content-Transfer-Encoding: base64', '', Buffer.from(body).toString('base64')];
    const doc = await parseText(
      emlParser,
      [
        'From: mallory@example.com',
        'Subject: names',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'see attached',
        ...part(['Content-Type: text/plain', 'Content-Disposition: attachment; filename="../../etc/passwd"'], 'root:x:0:0'),
        ...part(['Content-Type: text/plain', 'Content-Disposition: attachment; filename="C:\\\\Windows\\\\passwd"'], 'second'),
        ...part(['Content-Type: application/pdf', 'Content-Disposition: attachment'], '%PDF-1.4'),
        ...part(['Content-Type: text/plain', 'Content-Disposition: attachment; filename="invoice\u202Etxt.exe"'], 'bidi'),
        ...part(['Content-Type: text/plain', 'Content-Disposition: attachment; filename=".."'], 'dots'),
        '--b--',
      ],
      'h.eml',
    );
    const paths = doc.children!.map((c) => c.path);
    expect(paths).toEqual(['attachments/passwd', 'attachments/passwd (2)', 'attachments/attachment-3.pdf', 'attachments/invoicetxt.exe', 'attachments/attachment-5.txt']);
    expect(doc.children![0]!.metadata).toMatchObject({ original_name: '../../etc/passwd' });
    expect(doc.children![0]!.bytes.toString()).toBe('root:x:0:0');
    for (const p of paths) expect(p).not.toMatch(/\.\.\/|\\|[\p{Cc}\p{Cf}]/u);
  });

  it('keeps what a truncated message has', async () => {
    const doc = await parseText(
      emlParser,
      ['From: a@example.com', 'Subject: cut short', 'Content-Type: multipart/mixed; boundary="x"', '', '--x', 'Content-Type: text/plain', '', 'The first part arrived.', '--x', 'Content-Type: application/pdf; name="a.pdf"', 'Content-Transfer-Encoding: base64', '', 'JVBERi0xLjQK'],
      't.eml',
    );
    expect(text(doc)).toContain('The first part arrived.');
    expect(doc.children?.map((c) => c.path)).toEqual(['attachments/a.pdf']);
  });

  it('refuses bytes that are not a message', async () => {
    for (const bytes of [Buffer.from('just some words\nwith no headers\n'), Buffer.from([0, 1, 2, 0xff, 0xfe, 0x50, 0x4b]), Buffer.alloc(0)]) {
      await expect(emlParser.parse({ bytes, name: 'x.eml', mimeType: 'message/rfc822' }, testParseContext())).rejects.toMatchObject({
        code: 'parser.corrupt',
        message: 'not an e-mail message: no header fields found',
      });
    }
  });

  it('fails a message with more attachments than the limit, and refuses one oversized attachment', async () => {
    const attachments = (n: number, size: number) =>
      Array.from({ length: n }, (_, i) => ['--b', 'Content-Type: text/plain', `Content-Disposition: attachment; filename="f${i}.txt"`, '', 'x'.repeat(size)]).flat();
    const mail = (n: number, size: number) => ['From: a@example.com', 'Subject: many', 'Content-Type: multipart/mixed; boundary="b"', '', ...attachments(n, size), '--b--'];
    await expect(parseText(emlParser, mail(3, 1), 'm.eml', { limits: { ...DEFAULT_PARSE_LIMITS, maxMembers: 2 } })).rejects.toMatchObject({ code: 'parser.limit_exceeded' });
    const doc = await parseText(emlParser, mail(1, 50), 'm.eml', { limits: { ...DEFAULT_PARSE_LIMITS, maxMemberBytes: 10 } });
    expect(doc.children).toBeUndefined();
    expect(doc.rejected).toEqual([{ path: 'attachments/f0.txt', code: 'parser.limit_exceeded', reason: 'attachment is 50 bytes; the limit is 10' }]);
  });

  it('refuses an encrypted message', async () => {
    await expect(
      parseText(emlParser, ['From: a@example.com', 'Subject: secret', 'Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"', 'Content-Transfer-Encoding: base64', '', 'MIAGCSqGSIb3DQEHA6CAMIACAQAxggE='], 's.eml'),
    ).rejects.toMatchObject({ code: 'parser.encrypted' });
  });
});
