import { describe, expect, it } from 'vitest';
import { markdownToBlocks } from './markdown-blocks.js';

describe('markdownToBlocks', () => {
  it('reads ATX and setext headings with levels', () => {
    expect(markdownToBlocks('# One\n\n### Three ###\n\nTwo\n---\n\nBig\n===\n\n#hashtag is text')).toEqual([
      { kind: 'heading', level: 1, text: 'One' },
      { kind: 'heading', level: 3, text: 'Three' },
      { kind: 'heading', level: 2, text: 'Two' },
      { kind: 'heading', level: 1, text: 'Big' },
      { kind: 'paragraph', text: '#hashtag is text' },
    ]);
  });

  it('keeps fenced code whole, "#" lines and blank lines included', () => {
    const code = '```python\n# not a heading\n\nx = 1\n## still code\n```';
    const blocks = markdownToBlocks(`Intro\n\n${code}\n\n~~~~\n# tilde fence\n${'```'}\n~~~~\n\nAfter`);
    expect(blocks).toEqual([
      { kind: 'paragraph', text: 'Intro' },
      { kind: 'code', text: code },
      { kind: 'code', text: '~~~~\n# tilde fence\n```\n~~~~' },
      { kind: 'paragraph', text: 'After' },
    ]);
  });

  it('runs an unclosed fence to the end of the document', () => {
    expect(markdownToBlocks('```\n# a\ntext')).toEqual([{ kind: 'code', text: '```\n# a\ntext' }]);
  });

  it('keeps tables whole, also when they interrupt a paragraph', () => {
    const table = '| a | b |\n|---|:-:|\n| 1 | 2 |\n| 3 | 4 |';
    expect(markdownToBlocks(`Numbers:\n${table}\nafter`)).toEqual([
      { kind: 'paragraph', text: 'Numbers:' },
      { kind: 'table', text: table },
      { kind: 'paragraph', text: 'after' },
    ]);
  });

  it('reads lists with nested items, loose items and lazy continuations as one block', () => {
    const list = '- one\n  continued\n- two\n    - nested\n\n- three\nlazy line';
    expect(markdownToBlocks(`${list}\n\nNext paragraph`)).toEqual([
      { kind: 'list', text: list },
      { kind: 'paragraph', text: 'Next paragraph' },
    ]);
    expect(markdownToBlocks('1. first\n2) second')).toEqual([{ kind: 'list', text: '1. first\n2) second' }]);
  });

  it('lets bullets interrupt a paragraph, but not a number other than 1', () => {
    expect(markdownToBlocks('Shopping:\n- milk\n- eggs')).toEqual([
      { kind: 'paragraph', text: 'Shopping:' },
      { kind: 'list', text: '- milk\n- eggs' },
    ]);
    expect(markdownToBlocks('The year was\n2024. It rained.')).toEqual([{ kind: 'paragraph', text: 'The year was\n2024. It rained.' }]);
  });

  it('reads block quotes with lazy continuation, ended by a heading', () => {
    expect(markdownToBlocks('> quoted\n> more\nlazy\n# Title')).toEqual([
      { kind: 'quote', text: '> quoted\n> more\nlazy' },
      { kind: 'heading', level: 1, text: 'Title' },
    ]);
  });

  it('reads indented code after a blank line and drops thematic breaks', () => {
    expect(markdownToBlocks('Text\n\n    # code\n    more\n\n***\n\nEnd')).toEqual([
      { kind: 'paragraph', text: 'Text' },
      { kind: 'code', text: '    # code\n    more' },
      { kind: 'paragraph', text: 'End' },
    ]);
  });

  it('handles CRLF, strips zero-width characters from headings and skips empty headings', () => {
    expect(markdownToBlocks('## Setup\u200b\r\n\r\n#\r\nBody\r\n')).toEqual([
      { kind: 'heading', level: 2, text: 'Setup' },
      { kind: 'paragraph', text: 'Body' },
    ]);
  });
});
