import { describe, expect, it } from 'vitest';
import { testParseContext } from '../../../test/parse-context.js';
import { isAppError } from '../../domain/errors.js';
import type { ParsedDocument } from '../../ports/parser.js';
import { createParserRegistry } from '../index.js';
import { corpusGoldenTests, render } from '../shared/corpus.fixture.js';
import { MAX_XML_DEPTH } from './well-formed.js';
import { xmlParser } from './xml-parser.js';

const parse = (xml: string | Buffer, name = 'doc.xml'): Promise<ParsedDocument> =>
  xmlParser.parse({ bytes: typeof xml === 'string' ? Buffer.from(xml) : xml, name, mimeType: 'application/xml' }, testParseContext());

const headings = (doc: ParsedDocument): string[] => doc.blocks.filter((b) => b.kind === 'heading').map((b) => `${b.level}:${b.text}`);

async function failure(p: Promise<unknown>, code = 'parser.corrupt'): Promise<string> {
  try {
    await p;
  } catch (err) {
    expect(isAppError(err), String(err)).toBe(true);
    expect((err as { code: string }).code).toBe(code);
    return (err as Error).message;
  }
  throw new Error(`expected ${code}`);
}

const ATOM = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">Vault &lt;b&gt;Notes&lt;/b&gt; &amp;amp; more</title>
  <subtitle>What changed this week</subtitle>
  <link href="https://example.org/feed.atom" rel="self"/>
  <link href="https://example.org/"/>
  <updated>2024-05-02T10:00:00Z</updated>
  <entry>
    <title>Chunking by blocks</title>
    <link rel="alternate" href="https://example.org/chunking"/>
    <published>2024-05-01T09:00:00Z</published>
    <updated>2024-05-02T10:00:00Z</updated>
    <author><name>Ada Lovelace</name></author>
    <category term="design"/>
    <summary>Short teaser.</summary>
    <content type="html">&lt;h1&gt;Why blocks&lt;/h1&gt;&lt;p&gt;Blocks keep &lt;em&gt;structure&lt;/em&gt; intact.&lt;/p&gt;</content>
  </entry>
  <entry>
    <title>Inline markup</title>
    <content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>An <strong>xhtml</strong> body.</p></div></content>
  </entry>
  <entry>
    <title>Plain</title>
    <summary>First paragraph.

Second paragraph.</summary>
  </entry>
</feed>`;

describe('xmlParser', () => {
  corpusGoldenTests({ xml: xmlParser });

  it('reads an RSS 2.0 feed: channel title, then a heading, facts and HTML content per item', async () => {
    const doc = await parse(`<?xml version="1.0"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Release notes</title><link>https://example.org/</link><description>Changes, as they ship.</description>
    <item>
      <title>Version 2</title><link>https://example.org/v2</link><dc:creator>Grace</dc:creator>
      <pubDate>Tue, 19 Nov 2024 13:30:02 +0000</pubDate><category>release</category>
      <description>teaser only</description>
      <content:encoded><![CDATA[<h2>New</h2><p>Faster <b>search</b>.</p>]]></content:encoded>
    </item>
    <item><description>&lt;p&gt;An item with no title.&lt;/p&gt;</description></item>
  </channel>
</rss>`, 'notes.rss');
    expect(doc.title).toBe('Release notes');
    expect(render(doc)).toBe(
      [
        '# Release notes',
        'Changes, as they ship.',
        '## Version 2',
        'Published: Tue, 19 Nov 2024 13:30:02 +0000 · Author: Grace · Link: https://example.org/v2 · Categories: release',
        '#### New',
        'Faster **search**.',
        '## Item 2',
        'An item with no title.',
      ].join('\n\n'),
    );
    expect(doc.metadata).toEqual({ feed: 'rss', title: 'Release notes', link: 'https://example.org/', items: 2, encoding: 'utf-8' });
  });

  it('reads an Atom feed: html, xhtml and text content, alternate links, authors and dates', async () => {
    const doc = await parse(ATOM, 'notes.atom');
    expect(doc.title).toBe('Vault Notes & more');
    expect(headings(doc)).toEqual(['1:Vault Notes & more', '2:Chunking by blocks', '3:Why blocks', '2:Inline markup', '2:Plain']);
    const text = render(doc);
    expect(text).toContain('Published: 2024-05-01T09:00:00Z · Updated: 2024-05-02T10:00:00Z · Author: Ada Lovelace · Link: https://example.org/chunking · Categories: design');
    expect(text).toContain('Blocks keep *structure* intact.');
    expect(text).not.toContain('Short teaser.');
    expect(text).toContain('An **xhtml** body.');
    expect(doc.blocks.slice(-2)).toEqual([
      { kind: 'paragraph', text: 'First paragraph.' },
      { kind: 'paragraph', text: 'Second paragraph.' },
    ]);
    expect(text).not.toMatch(/<feed|<entry|<div/);
    expect(doc.metadata).toMatchObject({ feed: 'atom', title: 'Vault Notes & more', link: 'https://example.org/', items: 3 });
  });

  it('reads RSS 1.0 (RDF) items that sit beside the channel', async () => {
    const doc = await parse(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://example.org/"><title>Old feed</title><link>https://example.org/</link><description>RSS one</description></channel>
  <item rdf:about="https://example.org/1"><title>First</title><link>https://example.org/1</link><dc:date>2003-01-01</dc:date><description>Hello from 2003.</description></item>
</rdf:RDF>`);
    expect(headings(doc)).toEqual(['1:Old feed', '2:First']);
    expect(render(doc)).toContain('Published: 2003-01-01 · Link: https://example.org/1\n\nHello from 2003.');
    expect(doc.metadata).toMatchObject({ feed: 'rdf', items: 1 });
  });

  it('renders other XML as an outline: containers as headings, text elements as "name: text" lines', async () => {
    const doc = await parse(`<?xml version="1.0"?>
<!-- a catalogue -->
<catalog xmlns="urn:example:catalog" xmlns:x="urn:example:extra">
  <title>Books</title>
  <book id="b1" lang="en">
    <title>Dune</title>
    <author>Frank Herbert</author>
    <price currency="USD">9.99</price>
    <note>A <em>classic</em> &amp; more</note>
    <x:flag/>
  </book>
  <book id="b2"><title>Emma</title><![CDATA[<not a tag>]]></book>
</catalog>`);
    expect(doc.title).toBe('Books');
    expect(render(doc)).toBe(
      [
        '# catalog',
        'title: Books',
        '## book (id=b1, lang=en)',
        'title: Dune\nauthor: Frank Herbert\nprice (currency=USD): 9.99\nnote: A classic & more',
        'book (id=b2): Emma<not a tag>',
      ].join('\n\n'),
    );
    expect(doc.metadata).toEqual({
      root: 'catalog',
      namespace: 'urn:example:catalog',
      namespaces: { '': 'urn:example:catalog', x: 'urn:example:extra' },
      elements: 11,
      encoding: 'utf-8',
    });
  });

  it('flattens containers nested below heading level 6 into path lines', async () => {
    const doc = await parse('<a><b><c><d><e><f><g><h>deep</h><i k="v"><j>deeper</j></i></g></f></e></d></c></b></a>');
    expect(headings(doc)).toEqual(['1:a', '2:b', '3:c', '4:d', '5:e', '6:f']);
    expect(doc.blocks.at(-1)).toEqual({ kind: 'paragraph', text: 'g/h: deep\ng/i (k=v)\ng/i/j: deeper' });
  });

  it('decodes the encoding the XML declaration names', async () => {
    const bytes = Buffer.concat([Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><note><body>caf'), Buffer.from([0xe9]), Buffer.from('</body></note>')]);
    const doc = await parse(bytes);
    expect(render(doc)).toContain('body: café');
    expect(doc.metadata.encoding).toBe('iso-8859-1');
  });

  it('refuses truncated, mismatched and empty XML as parser.corrupt', async () => {
    const feed = ATOM.slice(0, ATOM.indexOf('<title>Inline markup'));
    expect(await failure(parse(feed, 'cut.xml'))).toMatch(/^cut\.xml is not well-formed XML: <entry> is never closed: the file is truncated or damaged/);
    expect(await failure(parse('<a><b>text</b><c attr="x'))).toMatch(/a tag is cut off or a stray "<" appears at line 1, column 15/);
    expect(await failure(parse('<a><b></a></b>'))).toMatch(/<\/a> at line 1, column 7 closes <b>/);
    expect(await failure(parse('<a/><b/>'))).toMatch(/a second root element <b>/);
    expect(await failure(parse('<!-- only a comment -->'))).toMatch(/no root element/);
    expect(await failure(parse('  \n'))).toMatch(/is empty/);
    expect(await failure(parse('<a><!-- unclosed comment </a>'))).toMatch(/stray "<"/);
  });

  it('refuses nesting deeper than the walk allows', async () => {
    const depth = MAX_XML_DEPTH + 1;
    expect(await failure(parse(`${'<n>'.repeat(depth)}${'</n>'.repeat(depth)}`), 'parser.failed')).toMatch(/more than 500 deep/);
  });

  it('never expands DTD entities: billion laughs stays small and fast, external entities are not fetched', async () => {
    const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`).join('\n');
    const bomb = `<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol0 "lol">\n${levels}\n]>\n<lolz>&lol9;</lolz>`;
    // The output proves nothing was expanded (the reference stays, counted); an expanding parser
    // would build 10^9 "lol"s and run into the test's time limit, so no wall-clock assertion here.
    const doc = await parse(bomb, 'lolz.xml');
    expect(render(doc)).toBe('# lolz\n\n&lol9;');
    expect(doc.metadata.unexpanded_entities).toBe(10);

    const xxe = await parse('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><r><v>&xxe;</v></r>');
    expect(render(xxe)).toBe('# r\n\nv: &xxe;');
    expect(render(xxe)).not.toContain('root:');
  });

  it('is picked by extension for content file-type sniffs as a bare XML container', async () => {
    const registry = createParserRegistry([xmlParser]);
    for (const name of ['feed.xml', 'feed.atom', 'feed.rss']) {
      const resolution = await registry.resolve({ name, bytes: Buffer.from(ATOM) });
      expect(resolution.parser.id).toBe('xml');
    }
  });
});
