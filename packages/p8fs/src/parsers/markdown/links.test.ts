import { describe, expect, it } from 'vitest';
import { markdownParser } from './markdown-parser.js';
import { markdownLinks } from './links.js';

const links = (body: string, fm: unknown = null) => markdownLinks(body, fm).map((l) => [l.rel, l.target, l.properties ?? {}]);

describe('markdownLinks', () => {
  it('reads wikilinks with headings, aliases, paths and embeds', () => {
    expect(links('See [[Sarah Chen]], [[Sarah Chen|Sarah]], [[Plans#Q4|q4]], [[people/Dana Fox.md]] and ![[diagram.png]].')).toEqual([
      ['links_to', 'Sarah Chen', {}],
      ['links_to', 'Plans', { heading: 'Q4', alias: 'q4' }],
      ['links_to', 'Dana Fox', { path: 'people/Dana Fox.md' }],
      ['links_to', 'diagram.png', { embed: true }],
    ]);
  });

  it('reads relative Markdown links to files, not web links or anchors', () => {
    expect(links('[Sarah](people/Sarah%20Chen.md) [spec](../docs/spec.pdf "Spec") [web](https://x.org/a.md) [top](#intro) [m](mailto:a@b.c)')).toEqual([
      ['links_to', 'Sarah Chen', { text: 'Sarah' }],
      ['links_to', 'spec.pdf', { text: 'spec' }],
    ]);
  });

  it('reads inline #tags but not headings, numbers, URL fragments or code', () => {
    expect(links('# Title\n\nPlanning #q4 #project/alpha #2024 http://x.org/#frag `#code`\n\n```\n#shell [[Hidden]]\n```\n')).toEqual([
      ['tagged', '#q4', {}],
      ['tagged', '#project/alpha', {}],
    ]);
  });

  it('reads frontmatter tags and relation fields (quoted, unquoted, lists)', () => {
    const fm = { tags: ['work', '#q4'], tag: 'a, b', owner: '[[Sarah Chen]]', relatedTo: [['Roadmap']], 'Part-Of': ['[[Alpha]]', '[[Beta]]'], status: 'draft' };
    expect(links('', fm)).toEqual([
      ['tagged', '#work', { field: 'tags' }],
      ['tagged', '#q4', { field: 'tags' }],
      ['tagged', '#a', { field: 'tag' }],
      ['tagged', '#b', { field: 'tag' }],
      ['owner', 'Sarah Chen', { field: 'owner' }],
      ['related_to', 'Roadmap', { field: 'relatedTo' }],
      ['part_of', 'Alpha', { field: 'Part-Of' }],
      ['part_of', 'Beta', { field: 'Part-Of' }],
    ]);
  });

  it('is what the markdown parser puts in doc.links', async () => {
    const doc = await markdownParser.parse({ bytes: Buffer.from('---\nowner: "[[Sarah Chen]]"\n---\n# Note\n\nSee [[Roadmap]].\n'), name: 'n.md', mimeType: 'text/markdown' }, undefined as never);
    expect(doc.links?.map((l) => `${l.rel}:${l.target}`)).toEqual(['links_to:Roadmap', 'owner:Sarah Chen']);
  });
});
