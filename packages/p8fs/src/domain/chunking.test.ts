import { describe, expect, it } from 'vitest';
import type { Block, ParsedDocument } from './document.js';
import { chunkDocument, countTokens } from './chunking.js';
import { isAppError } from './errors.js';
import { splitSentences } from './text-split.js';

const doc = (blocks: Block[]): ParsedDocument => ({ title: null, blocks, metadata: {} });
const para = (text: string, page?: number): Block => (page === undefined ? { kind: 'paragraph', text } : { kind: 'paragraph', text, page });
const heading = (level: number, text: string, page?: number): Block =>
  page === undefined ? { kind: 'heading', level, text } : { kind: 'heading', level, text, page };

/** n distinct sentences of about 10 tokens each. */
const sentences = (n: number, tag = 's'): string =>
  Array.from({ length: n }, (_, i) => `Sentence ${tag}${i} talks about topic number ${i} in some detail.`).join(' ');

describe('countTokens', () => {
  it('counts words and punctuation like a GPT tokenizer, roughly', () => {
    expect(countTokens('')).toBe(0);
    expect(countTokens('The quick brown fox jumps over the lazy dog.')).toBe(10);
    expect(countTokens('internationalization')).toBe(4);
    expect(countTokens('2024')).toBe(2);
    expect(countTokens('東京都')).toBe(4);
    expect(countTokens('==============================')).toBe(4);
    expect(countTokens('Привет мир')).toBe(5);
    expect(countTokens('مرحبا')).toBe(5);
  });

  it('never costs more than 2 tokens per code point', () => {
    for (const s of ['a', '!!', '12', 'abc def', 'x'.repeat(100), '🙂🙂', 'e\u0301', '한', '中', 'שלום', 'بلغةRوPython']) {
      expect(countTokens(s)).toBeLessThanOrEqual(2 * Array.from(s).length);
    }
  });
});

describe('splitSentences', () => {
  it('splits at terminal punctuation but not after abbreviations or initials', () => {
    expect(splitSentences('Dr. Smith met J. Doe. They talked, e.g. about tea! Did it help? Yes.')).toEqual([
      'Dr. Smith met J. Doe.',
      'They talked, e.g. about tea!',
      'Did it help?',
      'Yes.',
    ]);
  });

  it('splits CJK sentences without spaces', () => {
    expect(splitSentences('今日は晴れ。明日は雨。')).toEqual(['今日は晴れ。', '明日は雨。']);
  });
});

describe('chunkDocument', () => {
  const opts = { chunkTokens: 100, overlapTokens: 20 };

  it('starts a new chunk at every heading and records the heading path', () => {
    const chunks = chunkDocument(
      doc([heading(1, 'Guide'), para('Intro text.'), heading(2, 'Install'), para('Run the installer.'), heading(2, 'Use'), para('Open the app.'), heading(1, 'Appendix'), para('More.')]),
      opts,
    );
    expect(chunks.map((c) => c.headingPath)).toEqual([['Guide'], ['Guide', 'Install'], ['Guide', 'Use'], ['Appendix']]);
    expect(chunks.map((c) => c.text)).toEqual(['# Guide\n\nIntro text.', '## Install\n\nRun the installer.', '## Use\n\nOpen the app.', '# Appendix\n\nMore.']);
    expect(chunks.map((c) => c.ordinal)).toEqual([0, 1, 2, 3]);
  });

  it('carries headings with no content of their own into the next chunk, and keeps a trailing heading', () => {
    const chunks = chunkDocument(doc([heading(1, 'Book'), heading(2, 'Chapter'), para('Text.'), heading(2, 'Empty end')]), opts);
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toMatchObject({ text: '# Book\n\n## Chapter\n\nText.', headingPath: ['Book', 'Chapter'] });
    expect(chunks[1]).toMatchObject({ text: '## Empty end', headingPath: ['Book', 'Empty end'] });
  });

  it('packs small paragraphs of a section into one chunk', () => {
    const chunks = chunkDocument(doc([para('One.'), para('Two.'), para('Three.')]), opts);
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe('One.\n\nTwo.\n\nThree.');
    expect(chunks[0]!.headingPath).toEqual([]);
  });

  it('splits an over-long paragraph at sentence boundaries, within budget', () => {
    const text = sentences(40);
    const chunks = chunkDocument(doc([heading(1, 'Long'), para(text)]), opts);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.tokens).toBeLessThanOrEqual(opts.chunkTokens);
      expect(c.tokens).toBe(countTokens(c.text));
      expect(c.headingPath).toEqual(['Long']);
    }
    // Every chunk ends at a sentence end: nothing is cut mid-sentence.
    for (const c of chunks) expect(c.text).toMatch(/\.$/);
    // All content survives.
    for (let i = 0; i < 40; i++) expect(chunks.some((c) => c.text.includes(`Sentence s${i} `))).toBe(true);
  });

  it('repeats tail sentences of the previous chunk of the same section as overlap', () => {
    const chunks = chunkDocument(doc([para(sentences(40))]), opts);
    for (let i = 1; i < chunks.length; i++) {
      const previous = splitSentences(chunks[i - 1]!.text);
      const lastSentence = previous[previous.length - 1]!;
      expect(chunks[i]!.text.startsWith(lastSentence)).toBe(true);
    }
  });

  it('adds no overlap across a heading, nor when overlap is 0', () => {
    const withHeading = chunkDocument(doc([para(sentences(3, 'a')), heading(2, 'Next'), para(sentences(3, 'b'))]), opts);
    expect(withHeading[1]!.text).toBe(`## Next\n\n${sentences(3, 'b')}`);
    const noOverlap = chunkDocument(doc([para(sentences(40))]), { chunkTokens: 100, overlapTokens: 0 });
    const joined = noOverlap.map((c) => c.text).join(' ');
    expect(joined).toBe(sentences(40));
  });

  it('splits a monster sentence by words and a monster word by characters', () => {
    const words = Array.from({ length: 300 }, (_, i) => `word${i}`).join(' ');
    const blob = 'x'.repeat(1000);
    const wordChunks = chunkDocument(doc([para(words)]), { chunkTokens: 50, overlapTokens: 10 });
    for (const c of wordChunks) expect(c.tokens).toBeLessThanOrEqual(50);
    expect(wordChunks.length).toBeGreaterThan(5);
    expect(wordChunks[wordChunks.length - 1]!.text).toMatch(/word299$/);
    const blobChunks = chunkDocument(doc([para(blob)]), { chunkTokens: 50, overlapTokens: 10 });
    for (const c of blobChunks) expect(c.tokens).toBeLessThanOrEqual(50);
    // Slices are as long as the budget allows (40 tokens of 5 letters), not one token each.
    expect(blobChunks.map((c) => c.text.replace(/\s+/g, '')).join('')).toBe(blob);
    expect(blobChunks.length).toBe(5);
  });

  it('keeps code and tables whole when they fit, and splits oversized ones between lines', () => {
    const code = '```sh\n# install\nnpm i\n```';
    const table = '| a | b |\n| --- | --- |\n| 1 | 2 |';
    const small = chunkDocument(doc([para('Before.'), { kind: 'code', text: code }, { kind: 'table', text: table }]), opts);
    expect(small).toHaveLength(1);
    expect(small[0]!.text).toContain(code);
    expect(small[0]!.text).toContain(table);
    const rows = Array.from({ length: 80 }, (_, i) => `| row ${i} | value ${i} |`).join('\n');
    const big = chunkDocument(doc([{ kind: 'table', text: `| k | v |\n| --- | --- |\n${rows}` }]), opts);
    expect(big.length).toBeGreaterThan(1);
    for (const c of big) {
      expect(c.tokens).toBeLessThanOrEqual(opts.chunkTokens);
      for (const line of c.text.split('\n')) expect(line).toMatch(/^\|.*\|$/);
    }
  });

  it('takes the page of the first block of each chunk', () => {
    const chunks = chunkDocument(doc([heading(1, 'Paged', 1), para('Page one.', 1), heading(1, 'Later', 2), para('On two.', 2), para('On three.', 3)]), opts);
    expect(chunks.map((c) => c.page)).toEqual([1, 2]);
    const unpaged = chunkDocument(doc([para('No pages.')]), opts);
    expect(unpaged[0]!.page).toBeNull();
    const split = chunkDocument(doc([para(sentences(20), 4), para(sentences(20, 't'), 5)]), opts);
    expect(split[0]!.page).toBe(4);
    expect(split[split.length - 1]!.page).toBe(5);
  });

  it('never emits empty chunks', () => {
    const chunks = chunkDocument(doc([para(''), para('   \n  '), { kind: 'code', text: '' }, para('Real.'), para(' ')]), opts);
    expect(chunks.map((c) => c.text)).toEqual(['Real.']);
    expect(chunkDocument(doc([]), opts)).toEqual([]);
  });

  it('is deterministic', () => {
    const input = doc([heading(1, 'A'), para(sentences(30)), { kind: 'list', text: '- one\n- two' }, heading(2, 'B'), para(sentences(12, 'b'))]);
    const first = chunkDocument(input, opts);
    const second = chunkDocument(structuredClone(input), opts);
    expect(second).toEqual(first);
  });

  it('rejects unusable options with validation_failed', () => {
    const attempt = (chunkTokens: number, overlapTokens: number) => {
      try {
        chunkDocument(doc([para('x')]), { chunkTokens, overlapTokens });
        return null;
      } catch (err) {
        return err;
      }
    };
    expect(isAppError(attempt(4, 0), 'validation_failed')).toBe(true);
    expect(isAppError(attempt(100, -1), 'validation_failed')).toBe(true);
    // An overlap above half the budget is capped, not an error.
    expect(attempt(100, 500)).toBeNull();
  });
});

describe('chunkDocument with timed blocks', () => {
  it('gives each speech segment its own chunk with its time span, never merged with neighbours', () => {
    const doc: ParsedDocument = {
      title: 'memo',
      metadata: {},
      blocks: [
        { kind: 'heading', level: 1, text: 'Voice memo' },
        { kind: 'paragraph', text: 'buy milk and eggs', time: { start: 0.5, end: 2.1 } },
        { kind: 'paragraph', text: 'call the dentist on monday', time: { start: 4, end: 6.25 } },
      ],
    };
    const chunks = chunkDocument(doc, { chunkTokens: 512, overlapTokens: 64 });
    expect(chunks.map((c) => [c.text, c.time])).toEqual([
      ['# Voice memo\n\nbuy milk and eggs', { start: 0.5, end: 2.1 }],
      ['call the dentist on monday', { start: 4, end: 6.25 }],
    ]);
  });
});
