/** A candidate from one retriever with its retriever score (higher is better). */
export interface Scored {
  id: string;
  score: number;
}

/**
 * How two ranked lists become one. `rrf`: weighted reciprocal-rank fusion. `convex`: a weighted
 * sum of scores normalised per list (keyword by its best score, vector min-max over the list).
 */
export type FusionMethod = 'rrf' | 'convex';

export interface FusionOptions {
  method: FusionMethod;
  /** RRF's rank offset: larger values flatten the difference between ranks */
  rrfK: number;
  keywordWeight: number;
  vectorWeight: number;
}

export interface Fused {
  id: string;
  score: number;
  keywordRank: number | null;
  vectorRank: number | null;
}

/** Fuse a keyword and a vector list into one ranking; ties break on id so results are stable. */
export function fuse(keyword: readonly Scored[], vector: readonly Scored[], o: FusionOptions): Fused[] {
  const out = new Map<string, Fused>();
  const add = (list: readonly Scored[], weight: number, key: 'keywordRank' | 'vectorRank', value: (c: Scored, i: number) => number) => {
    list.forEach((c, i) => {
      const f = out.get(c.id) ?? { id: c.id, score: 0, keywordRank: null, vectorRank: null };
      if (f[key] !== null) return;
      f.score += weight * value(c, i);
      f[key] = i + 1;
      out.set(c.id, f);
    });
  };
  if (o.method === 'rrf') {
    const rr = (_: Scored, i: number) => 1 / (o.rrfK + i + 1);
    add(keyword, o.keywordWeight, 'keywordRank', rr);
    add(vector, o.vectorWeight, 'vectorRank', rr);
  } else {
    add(keyword, o.keywordWeight, 'keywordRank', maxNormaliser(keyword));
    add(vector, o.vectorWeight, 'vectorRank', minMaxNormaliser(vector));
  }
  return [...out.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}

/**
 * Keyword scores over the best one. A document without a query term scores 0, so 0 (not the
 * list's minimum) is the natural floor: the weakest keyword hit still counts for something.
 */
export function maxNormaliser(list: readonly Scored[]): (c: Scored) => number {
  const max = Math.max(0, ...list.map((c) => c.score));
  return (c) => (max > 0 ? Math.max(0, c.score) / max : 0);
}

/**
 * Cosine similarities mapped onto [0, 1] over the list. Their absolute level says little (a weak
 * model puts everything between 0.2 and 0.5), so the spread within the list is what counts.
 */
export function minMaxNormaliser(list: readonly Scored[]): (c: Scored) => number {
  if (list.length === 0) return () => 0;
  const scores = list.map((c) => c.score);
  const max = Math.max(...scores);
  const min = Math.min(...scores);
  return (c) => (max > min ? (c.score - min) / (max - min) : 1);
}

/**
 * The best fused score a hit can get: first in both lists. Hybrid scores are divided by it, so a
 * score is 0..1 whatever the fusion constants (decision 0022). With the defaults: 1 = first by
 * keyword and vector, ≈ 0.67 = first by keyword alone, ≈ 0.33 = first by vector alone.
 */
export function bestPossibleScore(f: FusionOptions): number {
  return f.method === 'rrf' ? (f.keywordWeight + f.vectorWeight) / (f.rrfK + 1) : f.keywordWeight + f.vectorWeight;
}

/** A score rounded to four places and kept within 0..1. */
export function unitScore(x: number): number {
  return Math.min(1, Math.max(0, Math.round(x * 10_000) / 10_000));
}
