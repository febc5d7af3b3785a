import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { mapLimited } from '../../domain/collections.js';
import { AppError } from '../../domain/errors.js';
import type { Block, ParseContext, TimeSpan } from '../../ports/parser.js';
import type { Transcriber } from '../../ports/transcriber.js';
import { LevelMeter, silenceThresholdDb } from './levels.js';
import { lastLine } from './probe.js';
import { DEFAULT_SEGMENT_PLAN, parseSilenceLog, planSegments, type SegmentPlan, speechRegions } from './speech-regions.js';
import { BYTES_PER_SECOND, pcmOffset, pcmToWav, SAMPLE_RATE } from './wav.js';

// Half a second below the threshold is a pause: long enough not to cut between words.
const MIN_PAUSE_SECONDS = 0.5;
// silencedetect marks a pause once the level has dropped; word onsets and tails sit just outside
// the region, so each slice gets a little of the surrounding audio.
const SLICE_PADDING_SECONDS = 0.25;
// Two at a time: keeps a two-core box busy with pocketsphinx and stays polite to a remote API.
const CONCURRENCY = 2;
// Decoding and resampling run far faster than real time; this bounds a stuck ffmpeg.
const DECODE_BASE_MS = 60_000;
const DECODE_PER_SECOND_MS = 100;
const FFMPEG_MEMORY_MB = 2048;

/** One audio track as 16 kHz mono PCM on disk, and where its pauses are. */
export interface SpeechAudio {
  pcmFile: string;
  /** Seconds of audio decoded (at most limits.maxMediaSeconds). */
  seconds: number;
  /** True when the recording is longer than maxMediaSeconds and the rest was left out. */
  truncated: boolean;
  /** The level below which sound counted as a pause, from how loud this recording is. */
  silenceThresholdDb: number;
  silences: TimeSpan[];
}

const FFMPEG_QUIET = ['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error'];

/**
 * Decode one audio stream to raw 16 kHz mono s16le in `work`, measure how loud it is, then find
 * its pauses. The PCM goes to a file, not memory: four hours of it is 460 MB, and slices are
 * read as needed. The pause pass reads that raw PCM, so it costs little next to the decode.
 */
export async function decodeSpeechAudio(ctx: ParseContext, input: string, streamIndex: number, durationSeconds: number | undefined, work: string): Promise<SpeechAudio> {
  const max = ctx.limits.maxMediaSeconds;
  const expected = Math.min(durationSeconds ?? max, max);
  const limits = { timeoutMs: DECODE_BASE_MS + expected * DECODE_PER_SECOND_MS, memoryMb: FFMPEG_MEMORY_MB, maxOutputBytes: 1024 * 1024, cwd: work, signal: ctx.signal };
  const decoded = await ctx.tools.run(
    'ffmpeg',
    [...FFMPEG_QUIET, '-i', input, '-map', `0:${streamIndex}`, '-t', String(max), '-ac', '1', '-ar', String(SAMPLE_RATE), '-f', 's16le', '-y', 'speech.pcm'],
    limits,
  );
  const pcmFile = join(work, 'speech.pcm');
  const bytes = await stat(pcmFile).then((s) => s.size, () => 0);
  // A damaged tail still yields the audio before it; only nothing at all is a corrupt file.
  if (decoded.exitCode !== 0 && bytes === 0)
    throw new AppError('parser.corrupt', `could not decode the audio (corrupt or truncated): ${lastLine(decoded.stderr) || `ffmpeg exit ${decoded.exitCode}`}`);
  const seconds = bytes / BYTES_PER_SECOND;
  const truncated = (durationSeconds ?? 0) > max + 0.05 || seconds >= max - 0.05;
  if (bytes === 0) return { pcmFile, seconds, truncated, silenceThresholdDb: -120, silences: [] };
  const meter = new LevelMeter();
  for await (const chunk of createReadStream(pcmFile, { highWaterMark: 1024 * 1024 })) meter.add(chunk as Buffer);
  const threshold = silenceThresholdDb(meter);
  // Pauses printed to a file: the tool runner keeps only the start of stderr, and long recordings have thousands.
  const detect = await ctx.tools.run(
    'ffmpeg',
    [
      ...[...FFMPEG_QUIET, '-f', 's16le', '-ar', String(SAMPLE_RATE), '-ac', '1', '-i', 'speech.pcm'],
      ...['-af', `silencedetect=noise=${threshold}dB:d=${MIN_PAUSE_SECONDS},ametadata=mode=print:file=silence.txt`, '-f', 'null', '-'],
    ],
    limits,
  );
  if (detect.exitCode !== 0) throw new AppError('parser.failed', `could not find pauses in the audio: ${lastLine(detect.stderr) || `ffmpeg exit ${detect.exitCode}`}`);
  const log = await readFile(join(work, 'silence.txt'), 'utf8').catch(() => '');
  return { pcmFile, seconds, truncated, silenceThresholdDb: threshold, silences: parseSilenceLog(log, seconds) };
}

/** Speech segments: pauses inverted, blips dropped, merged and cut to transcriber-sized pieces. */
export function speechSegments(audio: SpeechAudio, plan: SegmentPlan = DEFAULT_SEGMENT_PLAN): TimeSpan[] {
  return planSegments(speechRegions(audio.silences, audio.seconds, plan.minSpeechSeconds), plan);
}

/**
 * Transcribe each segment; every non-empty piece of text becomes a paragraph block with its time
 * span in seconds from the start of the recording. A provider's own timed segments are used when
 * given (finer, and placed by the model); otherwise the block spans the whole speech segment.
 */
export async function transcribeSegments(ctx: ParseContext, transcriber: Transcriber, audio: SpeechAudio, segments: readonly TimeSpan[]): Promise<Block[]> {
  const file = await open(audio.pcmFile, 'r');
  try {
    const results = await mapLimited(segments, CONCURRENCY, async (seg) => {
      ctx.signal.throwIfAborted();
      const from = Math.max(0, seg.start - SLICE_PADDING_SECONDS);
      const to = Math.min(audio.seconds, seg.end + SLICE_PADDING_SECONDS);
      const pcm = Buffer.alloc(pcmOffset(to) - pcmOffset(from));
      const { bytesRead } = await file.read(pcm, 0, pcm.length, pcmOffset(from));
      const transcript = await transcriber.transcribe(pcmToWav(pcm.subarray(0, bytesRead)), { signal: ctx.signal });
      const timed = (transcript.segments ?? []).filter((s) => s.text.trim() !== '');
      if (timed.length > 0)
        return timed.map((s): Block => ({ kind: 'paragraph', text: s.text.trim(), time: span(Math.min(from + s.start, to), Math.min(from + s.end, to)) }));
      const text = transcript.text.trim();
      return text === '' ? [] : [{ kind: 'paragraph', text, time: span(seg.start, seg.end) } satisfies Block];
    });
    return results.flat();
  } finally {
    await file.close();
  }
}

const span = (start: number, end: number): TimeSpan => ({ start: ms(start), end: ms(Math.max(start, end)) });
const ms = (s: number): number => Math.round(s * 1000) / 1000;
