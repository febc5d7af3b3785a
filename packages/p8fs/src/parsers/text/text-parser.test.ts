import { describe, expect, it } from 'vitest';
import { textParser } from './text-parser.js';

const parse = (bytes: Buffer) => textParser.parse({ bytes, name: 'notes.txt', mimeType: 'text/plain' });

describe('textParser', () => {
  it('splits paragraphs on blank lines and keeps line breaks inside a paragraph', async () => {
    const doc = await parse(Buffer.from('First line\nsecond line\n\n\n  \nNext paragraph.\r\n\r\nLast'));
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'First line\nsecond line' },
      { kind: 'paragraph', text: 'Next paragraph.' },
      { kind: 'paragraph', text: 'Last' },
    ]);
    expect(doc.title).toBeNull();
    expect(doc.metadata).toEqual({ encoding: 'utf-8' });
  });

  it('strips a UTF-8 byte-order mark', async () => {
    const doc = await parse(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Grüße')]));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Grüße' }]);
  });

  it('falls back to latin1 when the bytes are not valid UTF-8', async () => {
    const doc = await parse(Buffer.from('Café crème', 'latin1'));
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Café crème' }]);
    expect(doc.metadata.encoding).toBe('latin1');
  });

  it('decodes UTF-16 with a byte-order mark', async () => {
    const doc = await parse(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('hello\n\nworld', 'utf16le')]));
    expect(doc.blocks.map((b) => b.text)).toEqual(['hello', 'world']);
    expect(doc.metadata.encoding).toBe('utf-16le');
  });

  it('returns no blocks for whitespace-only text', async () => {
    expect((await parse(Buffer.from(' \n\n\t\n'))).blocks).toEqual([]);
  });
});
