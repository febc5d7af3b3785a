import { describe, expect, it } from 'vitest';
import { fnv1a, HashEmbedder } from './hash.js';
import { cosine } from './vectors.js';

describe('HashEmbedder', () => {
  it('is deterministic across instances and calls', async () => {
    const [a] = await new HashEmbedder().embed(['The quick brown fox']);
    const [b] = await new HashEmbedder().embed(['The quick brown fox']);
    expect(Array.from(a!)).toEqual(Array.from(b!));
    expect(fnv1a('a')).toBe(0xe40c292c); // the published FNV-1a 32-bit test vector
  });

  it('returns unit vectors of the configured size, even for text without words', async () => {
    const e = new HashEmbedder(64);
    expect(e.id).toBe('hash-64');
    expect(new HashEmbedder().id).toBe('hash-256');
    for (const v of await e.embed(['hello world', '', '!!!', 'ünïcödé 日本語'])) {
      expect(v.length).toBe(64);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
  });

  it('puts lexically similar texts closer than unrelated ones, ignoring case', async () => {
    const [query, similar, inflected, unrelated, upper] = await new HashEmbedder().embed([
      'quarterly tax report for 2024',
      'the 2024 quarterly tax report',
      'quarterly taxes reporting',
      'flight booking to Lisbon',
      'QUARTERLY TAX REPORT FOR 2024',
    ]);
    expect(cosine(query!, upper!)).toBeCloseTo(1, 6);
    expect(cosine(query!, similar!)).toBeGreaterThan(0.7);
    expect(cosine(query!, inflected!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.2);
    expect(cosine(query!, unrelated!)).toBeLessThan(0.3);
  });

  it('rejects a nonsensical dimension', () => {
    expect(() => new HashEmbedder(0)).toThrow(RangeError);
  });
});
