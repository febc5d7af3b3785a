import { describe, expect, it } from 'vitest';
import { normaliseEvidence, parseSessionDate, turnContent } from './dataset.js';
import { evidenceRecall, RecallTable } from './recall.js';

describe('LoCoMo loading', () => {
  it('repairs the malformed evidence ids of the source and drops unusable ones', () => {
    expect(normaliseEvidence('D8:6; D9:17')).toEqual(['D8:6', 'D9:17']);
    expect(normaliseEvidence('D:11:26')).toEqual(['D11:26']);
    expect(normaliseEvidence('D')).toEqual([]);
    expect(normaliseEvidence('D1:3')).toEqual(['D1:3']);
  });

  it('reads session dates like "1:56 pm on 8 May, 2023" as UTC', () => {
    expect(parseSessionDate('1:56 pm on 8 May, 2023')?.toISOString()).toBe('2023-05-08T13:56:00.000Z');
    expect(parseSessionDate('12:09 am on 13 September, 2023')?.toISOString()).toBe('2023-09-13T00:09:00.000Z');
    expect(parseSessionDate('sometime')).toBeNull();
  });

  it('indexes a turn as "Speaker (date): text"', () => {
    const t = { diaId: 'D1:1', session: 1, speaker: 'Ana', date: '1:56 pm on 8 May, 2023', timestamp: null, text: 'Hi!' };
    expect(turnContent(t)).toBe('Ana (1:56 pm on 8 May, 2023): Hi!');
  });
});

describe('evidence recall', () => {
  it('is the share of evidence ids among the first k', () => {
    expect(evidenceRecall(['a', 'b', 'c'], ['b', 'z'], 2)).toBe(0.5);
    expect(evidenceRecall(['a', 'b', 'c'], ['c'], 2)).toBe(0);
    expect(evidenceRecall([], ['c'], 5)).toBe(0);
  });

  it('averages per category and overall', () => {
    const t = new RecallTable();
    t.add(4, ['a'], ['a']);
    t.add(4, ['x'], ['a']);
    t.add(2, ['a', 'b'], ['a', 'b']);
    const rows = t.rows();
    expect(rows['single-hop']).toEqual({ n: 2, at5: 0.5, at10: 0.5, at20: 0.5 });
    expect(rows.temporal?.n).toBe(1);
    expect(rows.all).toEqual({ n: 3, at5: 0.667, at10: 0.667, at20: 0.667 });
  });
});
