import { describe, expect, it } from 'vitest';
import { DEFAULT_SEGMENT_PLAN, parseSilenceLog, planSegments, speechRegions } from './speech-regions.js';

describe('parseSilenceLog', () => {
  it('pairs starts with ends and lets an open silence run to the end', () => {
    const log = [
      'frame:10   pts:10240   pts_time:0.464399',
      'lavfi.silence_start=0',
      'lavfi.silence_end=1.51651',
      'lavfi.silence_duration=1.51651',
      'lavfi.silence_start=3.74163',
      'lavfi.silence_end=6.04268',
      'lavfi.silence_start=8.10059',
      '',
    ].join('\n');
    expect(parseSilenceLog(log, 11.4)).toEqual([
      { start: 0, end: 1.51651 },
      { start: 3.74163, end: 6.04268 },
      { start: 8.10059, end: 11.4 },
    ]);
  });

  it('clamps to the decoded length and ignores other lines', () => {
    expect(parseSilenceLog('lavfi.silence_start=-0.01\nlavfi.silence_end=12\nnoise', 10)).toEqual([{ start: 0, end: 10 }]);
    expect(parseSilenceLog('', 5)).toEqual([]);
  });
});

describe('speechRegions', () => {
  it('inverts silences and drops blips shorter than the minimum', () => {
    const silences = [
      { start: 1, end: 3 },
      { start: 3.2, end: 5 },
      { start: 9, end: 10 },
    ];
    expect(speechRegions(silences, 12, 0.3)).toEqual([
      { start: 0, end: 1 },
      { start: 5, end: 9 },
      { start: 10, end: 12 },
    ]);
  });

  it('is the whole recording when there is no pause, and nothing when it is all silence', () => {
    expect(speechRegions([], 7, 0.3)).toEqual([{ start: 0, end: 7 }]);
    expect(speechRegions([{ start: 0, end: 7 }], 7, 0.3)).toEqual([]);
  });
});

describe('planSegments', () => {
  it('merges regions across short pauses only', () => {
    const regions = [
      { start: 0, end: 1 },
      { start: 1.7, end: 2.7 },
      { start: 4.7, end: 6 },
    ];
    expect(planSegments(regions)).toEqual([
      { start: 0, end: 2.7 },
      { start: 4.7, end: 6 },
    ]);
  });

  it('stops merging at the segment length', () => {
    const regions = Array.from({ length: 8 }, (_, i) => ({ start: i * 10, end: i * 10 + 9.5 }));
    const segs = planSegments(regions);
    expect(segs.map((s) => [s.start, s.end])).toEqual([
      [0, 29.5],
      [30, 59.5],
      [60, 79.5],
    ]);
    for (const s of segs) expect(s.end - s.start).toBeLessThanOrEqual(DEFAULT_SEGMENT_PLAN.maxSegmentSeconds);
  });

  it('cuts unbroken talk into equal parts of at most the segment length', () => {
    const segs = planSegments([{ start: 5, end: 75 }]);
    expect(segs).toHaveLength(3);
    expect(segs[0]!.start).toBe(5);
    expect(segs[2]!.end).toBe(75);
    for (const s of segs) expect(s.end - s.start).toBeCloseTo(70 / 3, 9);
    expect(planSegments([{ start: 0, end: 30 }])).toEqual([{ start: 0, end: 30 }]);
  });
});
