import { describe, expect, it } from 'vitest';
import { normalizedWords, normalizeEnglish, wordErrorRate, wordErrors } from './wer.js';

describe('normalizeEnglish', () => {
  it('lower-cases, strips punctuation and collapses spaces', () => {
    expect(normalizeEnglish('  And so, my fellow Americans:\n ask not -- what  your country can do!  ')).toBe(
      'and so my fellow americans ask not what your country can do',
    );
  });

  it('drops bracketed asides, accents and apostrophes', () => {
    expect(normalizeEnglish("[MUSIC] Don\u2019t go to the café (laughs) it's late")).toBe('dont go to the cafe its late');
  });

  it('applies the spelling map word by word after cleaning', () => {
    const map = { colour: 'color', aeroplane: 'airplane' };
    expect(normalizeEnglish('The Colour of the aeroplane.', map)).toBe('the color of the airplane');
    // Only whole words are rewritten.
    expect(normalizedWords('colours', map)).toEqual(['colours']);
  });

  it('ignores inherited object keys in the map', () => {
    expect(normalizeEnglish('constructor tostring', {})).toBe('constructor tostring');
  });
});

describe('wordErrors', () => {
  const w = (s: string) => s.split(' ').filter(Boolean);

  it('is zero for identical word lists', () => {
    expect(wordErrors(w('a b c'), w('a b c'))).toEqual({ wer: 0, substitutions: 0, deletions: 0, insertions: 0, referenceWords: 3 });
  });

  it('counts substitutions, deletions and insertions', () => {
    expect(wordErrors(w('the cat sat on the mat'), w('the cat sit on mat'))).toMatchObject({ substitutions: 1, deletions: 1, insertions: 0 });
    expect(wordErrors(w('a b'), w('a x b y'))).toMatchObject({ substitutions: 0, deletions: 0, insertions: 2, wer: 1 });
    expect(wordErrors(w('a b c d'), w(''))).toMatchObject({ deletions: 4, wer: 1 });
  });

  it('can exceed 1 when the hypothesis is much longer', () => {
    expect(wordErrors(w('a'), w('x y z')).wer).toBe(3);
  });

  it('handles an empty reference', () => {
    expect(wordErrors([], []).wer).toBe(0);
    expect(wordErrors([], w('x')).wer).toBe(1);
  });

  it('stays linear in memory on long transcripts', () => {
    const ref = Array.from({ length: 1500 }, (_, i) => `w${i % 50}`);
    const hyp = ref.map((x, i) => (i % 10 === 0 ? 'oops' : x));
    expect(wordErrors(ref, hyp).wer).toBeCloseTo(0.1, 5);
  });
});

describe('wordErrorRate', () => {
  it('normalises both sides before comparing', () => {
    const ref = 'And so, my fellow Americans, ask not what your country can do for you.';
    expect(wordErrorRate(ref, 'and so my fellow americans ask not what your country can do for you')).toBe(0);
    expect(wordErrorRate(ref, 'and so my fellow americans ask what your country can do for you')).toBeCloseTo(1 / 14, 6);
    expect(wordErrorRate('the colour', 'the color', { colour: 'color' })).toBe(0);
  });
});
