import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import msgreader from '@kenjiuno/msgreader';
import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { CORPUS, parseCorpusFile } from '../shared/corpus.fixture.js';
import { decompressRtf, rtfToHtmlString } from './compressed-rtf.js';
import { buildMsg, text, utf16, withTestContext } from './email.fixture.js';
import { msgParser } from './msg-parser.js';

const parse = async (bytes: Buffer) => msgParser.parse({ bytes, name: 'm.msg', mimeType: 'application/vnd.ms-outlook' }, testParseContext());
const props = (size: number) => new Uint8Array(size);

/** The compressed RTF body of the markitdown corpus message (its only RTF-encoded sample). */
function corpusRtf(): Uint8Array {
  const bytes = readFileSync(resolve(CORPUS, 'markitdown/sources/test_outlook_msg.msg'));
  const Reader = (msgreader as unknown as { default?: typeof msgreader.default }).default ?? (msgreader as unknown as typeof msgreader.default);
  return new Reader(new Uint8Array(bytes).buffer).getFileData().compressedRtf!;
}

describe('msgParser', () => {
  it('reads the corpus messages: sender SMTP address, recipients, date, text body', async () => {
    const doc = await parseCorpusFile(withTestContext(msgParser), 'markitdown/sources/test_outlook_msg.msg');
    expect(doc.title).toBe('Test Email Message');
    expect(doc.metadata).toMatchObject({
      from: 'M. C. Kurtuluş <test.sender@example.com>',
      to: ['test.recipient@example.com'],
      date: '2024-12-22T08:23:00Z',
      message_id: '<CAG5p-vYs4eK8i7X=N5XSB+4bHTg-RQqwmH9DpemS-dQwAU6Chw@mail.gmail.com>',
      message_class: 'IPM.Note',
      body_source: 'text',
    });
    // Display-only Cc/Bcc rows with neither name nor address are left out.
    expect(doc.metadata.cc).toBeUndefined();
    const simple = await parseCorpusFile(withTestContext(msgParser), 'docling/sources/msg_simple.msg');
    expect(text(simple)).toContain('- **To:** bob@example.com (Bob Example)');
    expect(text(simple)).toContain('## Content\n\nHello Bob,\n\nThis is a simple email body.');
  });

  it('returns attachments and embedded messages as children, with safe names', async () => {
    const bytes = await buildMsg({
      '__properties_version1.0': props(32),
      '__substg1.0_0037001F': utf16('With attachments'),
      '__substg1.0_1000001F': utf16('See the notes.'),
      '__attach_version1.0_#00000000': {
        '__properties_version1.0': props(8),
        '__substg1.0_3707001F': utf16('../../notes.txt'),
        '__substg1.0_370E001F': utf16('text/plain'),
        '__substg1.0_37010102': Uint8Array.from(Buffer.from('attached bytes')),
      },
      '__attach_version1.0_#00000001': {
        '__properties_version1.0': props(8),
        '__substg1.0_3001001F': utf16('Inner message'),
        '__substg1.0_3701000D': {
          '__properties_version1.0': props(24),
          '__substg1.0_0037001F': utf16('Inner subject'),
          '__substg1.0_1000001F': utf16('Inner body'),
        },
      },
    });
    const doc = await parse(bytes);
    expect(doc.children?.map((c) => [c.path, c.mimeType])).toEqual([
      ['attachments/notes.txt', 'text/plain'],
      ['attachments/Inner message.msg', 'application/vnd.ms-outlook'],
    ]);
    expect(doc.children![0]!.bytes.toString()).toBe('attached bytes');
    expect(doc.children![0]!.metadata).toEqual({ original_name: '../../notes.txt' });
    expect(doc.children![1]!.metadata).toEqual({ embedded_message: true });
    expect(text(doc)).toContain('## Attachments\n\n- notes.txt (text/plain, 14 bytes)\n- Inner message.msg (application/vnd.ms-outlook, ');
    // The embedded message is a .msg of its own, processed in turn.
    const inner = await parse(doc.children![1]!.bytes);
    expect(inner.title).toBe('Inner subject');
    expect(text(inner)).toContain('Inner body');
  });

  it('falls back to the compressed RTF body when there is no text or HTML body', async () => {
    const doc = await parse(await buildMsg({ '__properties_version1.0': props(32), '__substg1.0_0037001F': utf16('RTF only'), '__substg1.0_10090102': corpusRtf() }));
    expect(doc.metadata.body_source).toBe('rtf');
    expect(text(doc)).toContain('## Content\n\nThis is the body of the test email message');
  });

  it('refuses bytes that are not an Outlook message', async () => {
    for (const bytes of [Buffer.from('not a compound file at all'), Buffer.alloc(0)]) {
      await expect(parse(bytes)).rejects.toMatchObject({ code: 'parser.corrupt', message: expect.stringMatching(/^not a readable Outlook message: /) });
    }
  });
});

describe('decompressRtf', () => {
  it('decompresses LZFu to the RTF that rtf-to-html reads', async () => {
    const rtf = decompressRtf(corpusRtf(), 1024 * 1024).toString('latin1');
    expect(rtf.startsWith('{\\rtf1\\ansi\\ansicpg1252\\fromhtml1')).toBe(true);
    expect(rtf.trimEnd().endsWith('}')).toBe(true);
    expect(await rtfToHtmlString(rtf)).toContain('<p>This is the body of the test email message</p>');
  });

  it('stops at the output cap and reads uncompressed (MELA) streams', async () => {
    expect(decompressRtf(corpusRtf(), 10).toString('latin1')).toBe('{\\rtf1\\ans');
    const raw = Buffer.from('{\\rtf1 plain}');
    const header = Buffer.alloc(16);
    header.writeUInt32LE(raw.length + 12, 0);
    header.writeUInt32LE(raw.length, 4);
    header.writeUInt32LE(0x414c454d, 8);
    expect(decompressRtf(Buffer.concat([header, raw]), 1000).toString('latin1')).toBe('{\\rtf1 plain}');
  });

  it('refuses a stream of an unknown type or too short for its header', () => {
    expect(() => decompressRtf(new Uint8Array(8), 100)).toThrow(/shorter than its 16-byte header/);
    expect(() => decompressRtf(new Uint8Array(16), 100)).toThrow(/unknown type/);
  });
});
