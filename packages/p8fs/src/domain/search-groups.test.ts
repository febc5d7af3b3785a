import type { SearchHit } from '@p8fs/contracts';
import { describe, expect, it } from 'vitest';
import { bestPossibleScore, unitScore } from './fusion.js';
import { type GroupableHit, groupByFile } from './search-groups.js';

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
function hit(resource: number, file: number | null, score: number, fileHash: string | null, contentHash: string): GroupableHit {
  const h: SearchHit = {
    resource_id: uuid(resource), file_id: file === null ? null : uuid(1000 + file), uri: `/f${file}#chunk=${resource}`, name: `f${file}`,
    category: 'document', content: contentHash, snippet: contentHash, score, ranks: { keyword: resource, vector: null },
  };
  return { hit: h, fileHash, contentHash };
}

describe('groupByFile', () => {
  it('ranks a file by its best passage and keeps at most three more under it', () => {
    const ranked = [hit(1, 1, 0.9, 'A', 'a1'), hit(2, 2, 0.8, 'B', 'b1'), hit(3, 1, 0.7, 'A', 'a2'), hit(4, 1, 0.6, 'A', 'a3'), hit(5, 1, 0.5, 'A', 'a4'), hit(6, 1, 0.4, 'A', 'a5')];
    const out = groupByFile(ranked, 10);
    expect(out.map((h) => h.resource_id)).toEqual([uuid(1), uuid(2)]);
    expect(out[0]?.passages?.map((p) => p.resource_id)).toEqual([uuid(3), uuid(4), uuid(5)]);
    expect(out[1]?.passages).toEqual([]);
  });

  it('collapses files with the same content hash and passages with the same text, naming the copies', () => {
    const ranked = [hit(1, 1, 0.9, 'A', 'a1'), hit(2, 2, 0.85, 'A', 'a1'), hit(3, 3, 0.8, 'A', 'a1'), hit(4, 4, 0.7, 'C', 'a1'), hit(5, null, 0.6, null, 'a1'), hit(6, 5, 0.5, 'D', 'd1')];
    const out = groupByFile(ranked, 10);
    expect(out.map((h) => h.resource_id)).toEqual([uuid(1), uuid(6)]);
    expect(out[0]?.duplicates?.map((d) => d.file_id)).toEqual([uuid(1002), uuid(1003), uuid(1004), null]);
    expect(out[1]?.duplicates).toBeUndefined();
  });

  it('fills the limit with files, not passages', () => {
    const ranked = [hit(1, 1, 0.9, 'A', 'a1'), hit(2, 1, 0.8, 'A', 'a2'), hit(3, 2, 0.7, 'B', 'b1'), hit(4, 3, 0.6, 'C', 'c1')];
    expect(groupByFile(ranked, 2).map((h) => h.file_id)).toEqual([uuid(1001), uuid(1002)]);
  });
});

describe('score scale', () => {
  it('puts the best fused score at 1 and keeps scores within 0..1', () => {
    const f = { method: 'rrf' as const, rrfK: 10, keywordWeight: 1, vectorWeight: 0.5 };
    expect(bestPossibleScore(f)).toBeCloseTo(1.5 / 11);
    expect(unitScore((1 / 11) / bestPossibleScore(f))).toBeCloseTo(0.6667, 4);
    expect(unitScore(1.2)).toBe(1);
    expect(unitScore(-0.1)).toBe(0);
  });
});
