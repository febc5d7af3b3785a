import { CATEGORY_NAMES } from './dataset.js';

export const KS = [5, 10, 20] as const;

/** Fraction of the evidence ids among the first k retrieved ids (LoCoMo "evidence recall@k"). */
export function evidenceRecall(retrieved: readonly string[], evidence: readonly string[], k: number): number {
  if (evidence.length === 0) return 0;
  const top = new Set(retrieved.slice(0, k));
  return evidence.filter((e) => top.has(e)).length / evidence.length;
}

/** Mean recall@5/10/20 of one group of questions. */
export interface RecallRow {
  n: number;
  at5: number;
  at10: number;
  at20: number;
}

/** Per-category and overall mean recall, accumulated question by question. */
export class RecallTable {
  private readonly sums = new Map<string, { n: number; s: number[] }>();

  /** Record one question's ranked dia_ids. */
  add(category: number, retrieved: readonly string[], evidence: readonly string[]): void {
    const r = KS.map((k) => evidenceRecall(retrieved, evidence, k));
    for (const key of [CATEGORY_NAMES[category] ?? String(category), 'all']) {
      const acc = this.sums.get(key) ?? { n: 0, s: [0, 0, 0] };
      acc.n++;
      for (const [i, v] of r.entries()) acc.s[i] = (acc.s[i] as number) + v;
      this.sums.set(key, acc);
    }
  }

  /** Rows keyed by category name plus "all", means rounded to 3 decimals. */
  rows(): Record<string, RecallRow> {
    const out: Record<string, RecallRow> = {};
    const order = [...Object.values(CATEGORY_NAMES), 'all'];
    for (const key of order) {
      const acc = this.sums.get(key);
      if (!acc) continue;
      const [a, b, c] = acc.s.map((v) => round3(v / acc.n)) as [number, number, number];
      out[key] = { n: acc.n, at5: a, at10: b, at20: c };
    }
    return out;
  }
}

/** Round to 3 decimals (recall tables are read at that precision). */
export const round3 = (x: number): number => Math.round(x * 1000) / 1000;
