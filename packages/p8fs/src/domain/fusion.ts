/** A candidate from one retriever with its retriever score. */
export interface Scored {
  id: string;
  score: number;
}

export interface FusionOptions {
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

/**
 * Weighted reciprocal-rank fusion: score = sum over retrievers of weight / (k + rank). Ranks,
 * not raw scores, are combined because BM25 and cosine scores live on unrelated scales.
 */
export function fuse(keyword: readonly Scored[], vector: readonly Scored[], o: FusionOptions): Fused[] {
  const out = new Map<string, Fused>();
  const add = (list: readonly Scored[], weight: number, key: 'keywordRank' | 'vectorRank') => {
    list.forEach((c, i) => {
      const f = out.get(c.id) ?? { id: c.id, score: 0, keywordRank: null, vectorRank: null };
      f.score += weight / (o.rrfK + i + 1);
      f[key] = i + 1;
      out.set(c.id, f);
    });
  };
  add(keyword, o.keywordWeight, 'keywordRank');
  add(vector, o.vectorWeight, 'vectorRank');
  return [...out.values()].sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
}
