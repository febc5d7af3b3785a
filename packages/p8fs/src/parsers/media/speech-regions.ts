import type { TimeSpan } from '../../ports/parser.js';

/** How speech regions become transcription segments. */
export interface SegmentPlan {
  /** Longest segment sent to the transcriber in one call; Whisper's window is 30 s. */
  maxSegmentSeconds: number;
  /** Speech regions shorter than this are clicks and breaths, not words. */
  minSpeechSeconds: number;
  /** Regions closer than this are one stretch of talk; a longer pause starts a new block. */
  mergeGapSeconds: number;
}

export const DEFAULT_SEGMENT_PLAN: SegmentPlan = { maxSegmentSeconds: 30, minSpeechSeconds: 0.3, mergeGapSeconds: 1 };

/**
 * Silences from ffmpeg's `silencedetect` filter as printed by `ametadata=mode=print`
 * (lavfi.silence_start=…, lavfi.silence_end=…). A start with no end runs to the end of the audio.
 */
export function parseSilenceLog(log: string, totalSeconds: number): TimeSpan[] {
  const silences: TimeSpan[] = [];
  let open: number | null = null;
  for (const line of log.split('\n')) {
    const m = /^lavfi\.silence_(start|end)=(-?[\d.]+(?:e-?\d+)?)\s*$/.exec(line.trim());
    if (!m) continue;
    const t = Math.min(Math.max(0, Number(m[2])), totalSeconds);
    if (m[1] === 'start') open = t;
    else if (open !== null) {
      silences.push({ start: open, end: t });
      open = null;
    }
  }
  if (open !== null) silences.push({ start: open, end: totalSeconds });
  return silences;
}

/** The stretches between silences, without the sub-minSpeech blips. */
export function speechRegions(silences: readonly TimeSpan[], totalSeconds: number, minSpeechSeconds: number): TimeSpan[] {
  const regions: TimeSpan[] = [];
  let cursor = 0;
  for (const s of [...silences].sort((a, b) => a.start - b.start)) {
    if (s.start > cursor) regions.push({ start: cursor, end: s.start });
    cursor = Math.max(cursor, s.end);
  }
  if (totalSeconds > cursor) regions.push({ start: cursor, end: totalSeconds });
  return regions.filter((r) => r.end - r.start >= minSpeechSeconds);
}

/**
 * Speech regions merged across short pauses into segments of at most maxSegmentSeconds; a region
 * longer than that (talk with no pause) is cut into equal parts, so no part is a sliver.
 */
export function planSegments(regions: readonly TimeSpan[], plan: SegmentPlan = DEFAULT_SEGMENT_PLAN): TimeSpan[] {
  const merged: TimeSpan[] = [];
  for (const r of regions) {
    const last = merged.at(-1);
    if (last !== undefined && r.start - last.end <= plan.mergeGapSeconds && r.end - last.start <= plan.maxSegmentSeconds) last.end = r.end;
    else merged.push({ ...r });
  }
  return merged.flatMap((s) => {
    const parts = Math.ceil((s.end - s.start) / plan.maxSegmentSeconds - 1e-9);
    if (parts <= 1) return [s];
    const step = (s.end - s.start) / parts;
    return Array.from({ length: parts }, (_, i) => ({ start: s.start + i * step, end: i === parts - 1 ? s.end : s.start + (i + 1) * step }));
  });
}
