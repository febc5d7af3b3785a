import { describe, expect, it } from 'vitest';
import { corpusGoldenTests, parseCorpusFile } from '../shared/corpus.fixture.js';
import { epubParser } from './epub-parser.js';

describe('epubParser on the docs-corpus', () => {
  corpusGoldenTests({ epub: epubParser });
});

describe('epubParser', () => {
  it('reads chapters in spine order, skipping the nav document, with OPF metadata', async () => {
    const doc = await parseCorpusFile(epubParser, 'markitdown/sources/test.epub');
    expect(doc.title).toBe('Test EPUB Document');
    expect(doc.metadata).toMatchObject({ author: 'Test Author', language: 'en', chapters: 2 });
    expect(doc.links).toEqual([{ target: 'Test Author', rel: 'authored_by', targetType: 'person' }]);
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text)).toEqual(['Chapter 1: Test Content', 'Chapter 2: More Content']);
  });

  it('refuses a corrupt zip', async () => {
    await expect(epubParser.parse({ bytes: Buffer.from('PK\x03\x04broken'), name: 'b.epub', mimeType: '' })).rejects.toMatchObject({
      code: 'parser.failed',
      message: expect.stringMatching(/^not a readable EPUB: corrupt or not a ZIP container/),
    });
  });
});
