import { describe, expect, it } from 'vitest';
import { markdownParser } from './markdown-parser.js';

const parse = (text: string) => markdownParser.parse({ bytes: Buffer.from(text), name: 'note.md', mimeType: 'text/markdown' });

describe('markdownParser', () => {
  it('puts YAML frontmatter in metadata and takes the title from it', async () => {
    const doc = await parse('---\ntitle: Trip notes\ntags: [travel, japan]\ndate: 2024-05-01\n---\n# Kyoto\n\nTemples.\n');
    expect(doc.title).toBe('Trip notes');
    expect(doc.metadata.frontmatter).toEqual({ title: 'Trip notes', tags: ['travel', 'japan'], date: '2024-05-01' });
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Kyoto' },
      { kind: 'paragraph', text: 'Temples.' },
    ]);
  });

  it('takes the title from the first H1 when the frontmatter has none', async () => {
    const doc = await parse('---\ntags: [a]\n---\n\n## Sub\n\n# Real title\n');
    expect(doc.title).toBe('Real title');
  });

  it('reports broken frontmatter instead of failing or leaking it into the text', async () => {
    const doc = await parse('---\ntitle: [unclosed\n---\nBody text.');
    expect(doc.metadata.frontmatter).toBeUndefined();
    expect(doc.metadata.frontmatterError).toMatch(/invalid YAML frontmatter/);
    expect(doc.blocks).toEqual([{ kind: 'paragraph', text: 'Body text.' }]);
  });

  it('treats a later --- as a thematic break, not frontmatter', async () => {
    const doc = await parse('Intro\n\n---\n\nkey: value\n');
    expect(doc.metadata.frontmatter).toBeUndefined();
    expect(doc.blocks.map((b) => b.text)).toEqual(['Intro', 'key: value']);
  });

  it('keeps fenced code with # lines whole and reads lists, tables and quotes', async () => {
    const md = ['# Setup', '', '```bash', '# install deps', 'npm i', '```', '', '- a', '- b', '', '| x | y |', '| - | - |', '| 1 | 2 |', '', '> quoted'].join('\n');
    const doc = await parse(md);
    expect(doc.blocks.map((b) => b.kind)).toEqual(['heading', 'code', 'list', 'table', 'quote']);
    expect(doc.blocks[1]!.text).toBe('```bash\n# install deps\nnpm i\n```');
  });
});
