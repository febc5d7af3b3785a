import { describe, expect, it } from 'vitest';
import { htmlParser } from './html-parser.js';
import { htmlToMarkdown } from './to-markdown.js';

const parse = (html: string | Buffer) =>
  htmlParser.parse({ bytes: typeof html === 'string' ? Buffer.from(html) : html, name: 'page.html', mimeType: 'text/html' });

const paragraphs = (n: number, topic: string): string =>
  Array.from(
    { length: n },
    (_, i) => `<p>Paragraph ${i} about ${topic}. It has enough words, commas, and sentences to look like real article content to Readability, which scores text density.</p>`,
  ).join('\n');

const ARTICLE = `<!doctype html><html lang="en"><head>
<title>How to grow tomatoes on balconies - Garden Blog</title>
<meta name="description" content="How to grow tomatoes on a balcony.">
<meta name="author" content="Ada Gardener">
<meta property="article:published_time" content="2024-05-01T10:00:00Z">
<script>window.evil = true; document.write('INJECTED')</script>
<style>body { color: red }</style>
</head><body>
<nav><a href="/">Home</a> <a href="/about">About us navigation link</a></nav>
<article>
<h1>How to grow tomatoes on balconies</h1>
${paragraphs(6, 'soil')}
<h2>Watering</h2>
${paragraphs(4, 'water')}
<pre><code class="language-sh"># water every morning
echo done</code></pre>
<table><thead><tr><th>Week</th><th>Litres</th></tr></thead><tbody><tr><td>1</td><td>2 | 3</td></tr></tbody></table>
<p>See <a href="#top">top</a> and <a href="https://example.com/x" title="X">the guide</a>.</p>
</article>
<footer>Copyright footer text</footer>
</body></html>`;

describe('htmlParser', () => {
  it('extracts the main article as blocks, with title and meta in metadata', async () => {
    const doc = await parse(ARTICLE);
    expect(doc.title).toBe('How to grow tomatoes on balconies');
    expect(doc.metadata).toMatchObject({
      extraction: 'readability',
      description: 'How to grow tomatoes on a balcony.',
      author: 'Ada Gardener',
      published: '2024-05-01T10:00:00Z',
    });
    const text = doc.blocks.map((b) => b.text).join('\n');
    expect(doc.blocks[0]).toEqual({ kind: 'heading', level: 1, text: 'How to grow tomatoes on balconies' });
    expect(doc.blocks).toContainEqual({ kind: 'heading', level: 2, text: 'Watering' });
    // Readability drops class names, so the fence loses its language; the "#" line stays code.
    expect(doc.blocks).toContainEqual({ kind: 'code', text: '```\n# water every morning\necho done\n```' });
    expect(doc.blocks).toContainEqual({ kind: 'table', text: '| Week | Litres |\n| --- | --- |\n| 1 | 2 \\| 3 |' });
    expect(text).toContain('See top and [the guide](https://example.com/x "X").');
    expect(text).not.toMatch(/INJECTED|window\.evil|color: red|navigation link/);
  });

  it('falls back to the body (minus scripts, styles and nav) when the page is not an article', async () => {
    const doc = await parse(
      '<html><head><title>Tiny</title></head><body><nav>Menu</nav><script>x()</script><h2>Note</h2><p>Short text.</p></body></html>',
    );
    expect(doc.title).toBe('Tiny');
    expect(doc.metadata.extraction).toBe('body');
    expect(doc.blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Tiny' },
      { kind: 'heading', level: 2, text: 'Note' },
      { kind: 'paragraph', text: 'Short text.' },
    ]);
  });

  it('decodes a declared legacy charset and defaults to UTF-8 without one', async () => {
    const latin = Buffer.concat([Buffer.from('<html><head><meta charset="iso-8859-1"></head><body><p>'), Buffer.from('Café', 'latin1'), Buffer.from('</p></body></html>')]);
    expect((await parse(latin)).blocks.map((b) => b.text)).toContain('Café');
    expect((await parse('<html><body><p>Grüße aus Köln</p></body></html>')).blocks.map((b) => b.text)).toContain('Grüße aus Köln');
  });

  it('returns no blocks for an empty page', async () => {
    expect((await parse('<html><body></body></html>')).blocks).toEqual([]);
  });
});

describe('htmlToMarkdown', () => {
  it('fences a bare <pre> so its "#" lines stay code', async () => {
    expect(await htmlToMarkdown('<pre># root prompt\nls</pre>')).toBe('```\n# root prompt\nls\n```');
  });

  it('keeps alt text but never base64 payloads of images, and drops alt-less linked images', async () => {
    expect(await htmlToMarkdown('<p><img alt="A duck" src="data:image/png;base64,iVBORw0KGgo="></p>')).toBe('![A duck](data:image/png;base64...)');
    expect(await htmlToMarkdown('<p>x <a href="/file"><img src="/thumb.png"></a> y</p>')).toBe('x  y');
    expect(await htmlToMarkdown('<p><a href="/file"><img alt="Map" src="/map.png"></a></p>')).toBe('![Map](/map.png)');
  });

  it('renders layout tables as blocks, not as one flattened row', async () => {
    expect(await htmlToMarkdown('<table><tr><td><h2>Title</h2><p>Body</p></td></tr></table>')).toBe('## Title\n\nBody');
  });

  it('does not backslash-escape text, so identifiers stay searchable', async () => {
    expect(await htmlToMarkdown('<p>snake_case and *stars* and 1. dot</p>')).toBe('snake_case and *stars* and 1. dot');
  });
});
