import { describe, expect, it } from 'vitest';
import { corpusGoldenTests, parseCorpusFile } from '../shared/corpus.fixture.js';
import { text, withTestContext } from './email.fixture.js';
import { emlParser } from './eml-parser.js';
import { msgParser } from './msg-parser.js';

// Golden checks on the shared docs-corpus: markitdown's must-include strings for the Outlook
// message, and (no upstream ground truth for the others) non-empty text and the attachment name.

describe('e-mail parsers on the docs-corpus', () => {
  corpusGoldenTests({ eml: withTestContext(emlParser), msg: withTestContext(msgParser) });

  it('returns the .eml attachment as a child with its name and bytes', async () => {
    const doc = await parseCorpusFile(withTestContext(emlParser), 'docling/sources/eml_with_attachment.eml');
    expect(doc.title).toBe('Email with Attachment');
    expect(doc.children).toEqual([
      {
        path: 'attachments/test.txt',
        bytes: Buffer.from('This is a test attachment file.\nIt contains some dummy content.\n'),
        mimeType: 'text/plain',
        metadata: { disposition: 'attachment' },
      },
    ]);
    expect(text(doc)).toContain('This email contains an attachment.');
    expect(text(doc)).toContain('- test.txt (text/plain, 64 bytes)');
  });
});
