import { describe, expect, it } from 'vitest';
import { type FusionOptions, fuse, maxNormaliser, minMaxNormaliser, type Scored } from './fusion.js';

const rrf = (rrfK = 10, keywordWeight = 1, vectorWeight = 0.5): FusionOptions => ({ method: 'rrf', rrfK, keywordWeight, vectorWeight });
const convex = (alpha: number): FusionOptions => ({ method: 'convex', rrfK: 0, keywordWeight: alpha, vectorWeight: 1 - alpha });
const list = (...ids: string[]): Scored[] => ids.map((id, i) => ({ id, score: 10 - i }));

describe('fuse (rrf)', () => {
  it('puts an item both retrievers found above items only one found', () => {
    const out = fuse(list('a', 'b', 'c'), list('x', 'c', 'y'), rrf());
    expect(out[0]?.id).toBe('c');
    expect(out).toHaveLength(5);
  });

  it('scores weight / (k + rank) per retriever and records 1-based ranks', () => {
    const out = fuse(list('a', 'b'), list('b'), rrf(10, 1, 0.5));
    const b = out.find((f) => f.id === 'b');
    expect(b?.score).toBeCloseTo(1 / 12 + 0.5 / 11, 12);
    expect(b).toMatchObject({ keywordRank: 2, vectorRank: 1 });
    expect(out.find((f) => f.id === 'a')).toMatchObject({ keywordRank: 1, vectorRank: null });
  });

  it('lets the weights decide between two first-ranked items', () => {
    expect(fuse(list('k'), list('v'), rrf(10, 1, 0.5))[0]?.id).toBe('k');
    expect(fuse(list('k'), list('v'), rrf(10, 0.5, 1))[0]?.id).toBe('v');
  });

  it('counts an id once per list even if a retriever repeats it', () => {
    const out = fuse([{ id: 'a', score: 3 }, { id: 'a', score: 2 }], [], rrf(10, 1, 0.5));
    expect(out).toHaveLength(1);
    expect(out[0]?.score).toBeCloseTo(1 / 11, 12);
  });

  it('breaks score ties by id so the order is stable', () => {
    const out = fuse(list('b'), list('a'), rrf(10, 1, 1));
    expect(out.map((f) => f.id)).toEqual(['a', 'b']);
  });

  it('returns nothing for two empty lists and one list unchanged in order', () => {
    expect(fuse([], [], rrf())).toEqual([]);
    expect(fuse([], list('p', 'q', 'r'), rrf()).map((f) => f.id)).toEqual(['p', 'q', 'r']);
  });
});

describe('fuse (convex)', () => {
  it('combines keyword scores over their maximum with min-max vector scores', () => {
    const kw = [{ id: 'a', score: 8 }, { id: 'b', score: 2 }];
    const vec = [{ id: 'b', score: 0.9 }, { id: 'c', score: 0.5 }, { id: 'd', score: 0.1 }];
    const out = fuse(kw, vec, convex(0.7));
    const score = Object.fromEntries(out.map((f) => [f.id, f.score]));
    expect(score.a).toBeCloseTo(0.7, 12);
    expect(score.b).toBeCloseTo(0.7 * 0.25 + 0.3 * 1, 12);
    expect(score.c).toBeCloseTo(0.3 * 0.5, 12);
    expect(score.d).toBeCloseTo(0, 12);
    expect(out.map((f) => f.id)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('follows alpha: a vector-heavy mix puts the best vector hit first', () => {
    const kw = [{ id: 'a', score: 5 }];
    const vec = [{ id: 'v', score: 0.8 }, { id: 'a', score: 0.2 }];
    expect(fuse(kw, vec, convex(0.8))[0]?.id).toBe('a');
    expect(fuse(kw, vec, convex(0.2))[0]?.id).toBe('v');
  });
});

describe('normalisers', () => {
  it('maxNormaliser maps the best keyword score to 1 and never goes negative', () => {
    const n = maxNormaliser([{ id: 'a', score: 4 }, { id: 'b', score: 1 }]);
    expect(n({ id: 'a', score: 4 })).toBe(1);
    expect(n({ id: 'b', score: 1 })).toBe(0.25);
    expect(maxNormaliser([{ id: 'z', score: 0 }])({ id: 'z', score: 0 })).toBe(0);
  });

  it('minMaxNormaliser spreads cosines over [0, 1] and gives a lone item 1', () => {
    const n = minMaxNormaliser([{ id: 'a', score: 0.5 }, { id: 'b', score: 0.3 }, { id: 'c', score: 0.4 }]);
    expect(n({ id: 'a', score: 0.5 })).toBe(1);
    expect(n({ id: 'b', score: 0.3 })).toBe(0);
    expect(n({ id: 'c', score: 0.4 })).toBeCloseTo(0.5, 12);
    expect(minMaxNormaliser([{ id: 'x', score: 0.2 }])({ id: 'x', score: 0.2 })).toBe(1);
  });
});
