// The speech yardstick of the parsers bench: audio clips through the registry (media parser and the
// configured transcriber), scored by word error rate against the clip's known transcript.
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { normalizedWords, type SpellingMap, wordErrors } from '../domain/wer.js';
import { peakRssMb, progress, REPO_ROOT } from './common.js';
import { createBenchRunner, type ParseFailure, timedParse } from './parsers-parse.js';
import { renderMarkdown } from './parsers-score.js';

const AUDIO = join(REPO_ROOT, '..', 'shared', 'yardsticks', 'audio');
/** The exact words of the JFK clip (yardsticks/audio/README.md: whisper.cpp's README and binding tests). */
const JFK = 'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';
// markitdown's clips have no published transcript; its test wants 1..5, as digits or words.
const NUMBERS = [
  ['1', 'one'],
  ['2', 'two'],
  ['3', 'three'],
  ['4', 'four'],
  ['5', 'five'],
];
const CLIPS = [
  { file: 'whisper.cpp/jfk.wav', reference: JFK },
  { file: 'whisper.cpp/jfk.mp3', reference: JFK },
  { file: 'markitdown/test.wav' },
  { file: 'markitdown/test.mp3' },
  { file: 'markitdown/test.m4a' },
];
const RUNS = 3;

interface ClipResult {
  file: string;
  error?: ParseFailure;
  parser?: string;
  transcriber?: unknown;
  audio_s?: number;
  ms?: number;
  /** audio seconds per second of parse time */
  realtime_x?: number;
  transcript?: string;
  wer?: number;
  substitutions?: number;
  deletions?: number;
  insertions?: number;
  numbers_found?: number;
}

/** Parse each clip (warm, median of 3; 1 with --quick) and score its transcript. */
export async function runParsersAudio(o: { quick: boolean }) {
  // Whisper's British→American spelling map, applied to both texts before comparing.
  const spelling = JSON.parse(readFileSync(join(AUDIO, 'whisper-english-normalizer.json'), 'utf8')) as SpellingMap;
  const runner = createBenchRunner();
  const clips: ClipResult[] = [];
  try {
    for (const clip of CLIPS) {
      progress(`parsers:audio: ${clip.file}`);
      const parsed = await timedParse(runner, basename(clip.file), readFileSync(join(AUDIO, clip.file)), o.quick ? 1 : RUNS);
      if (!parsed.ok) {
        clips.push({ file: clip.file, error: parsed.error });
        continue;
      }
      const { doc, resolution } = parsed.outcome;
      const transcript = renderMarkdown({ ...doc, blocks: doc.blocks.filter((b) => b.kind !== 'heading') });
      const audioS = Number(doc.metadata?.durationSeconds ?? doc.metadata?.transcribedSeconds ?? Number.NaN);
      const r: ClipResult = {
        file: clip.file, parser: resolution.parserId, transcriber: doc.metadata?.transcriber, audio_s: audioS, ms: Math.round(parsed.ms),
        realtime_x: Math.round((audioS / (parsed.ms / 1000)) * 10) / 10, transcript,
      };
      const words = normalizedWords(transcript, spelling);
      if (clip.reference !== undefined) {
        const e = wordErrors(normalizedWords(clip.reference, spelling), words);
        Object.assign(r, { wer: Math.round(e.wer * 1000) / 1000, substitutions: e.substitutions, deletions: e.deletions, insertions: e.insertions });
      } else {
        r.numbers_found = NUMBERS.filter((forms) => forms.some((w) => words.includes(w))).length;
      }
      clips.push(r);
    }
  } finally {
    await runner.close();
  }
  return { format: 'audio', runs_per_file: o.quick ? 1 : RUNS, peak_rss_mb: peakRssMb(), clips };
}

export type ParsersAudioResult = Awaited<ReturnType<typeof runParsersAudio>>;
