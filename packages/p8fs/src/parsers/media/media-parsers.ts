import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { Artifact, Block, ParseContext, ParsedDocument, ParseInput, Parser } from '../../ports/parser.js';
import { coverArt, videoFrames } from './frames.js';
import { type MediaInfo, mediaMetadata, probeMedia } from './probe.js';
import { decodeSpeechAudio, speechSegments, transcribeSegments } from './transcribe.js';

/**
 * Audio: ffprobe facts as metadata, then speech-to-text per speech segment, one paragraph block
 * per piece of transcript with its time span. Media types are what file-type@21 reports (wav →
 * audio/wav, m4a → audio/x-m4a, opus → "audio/ogg; codecs=opus") plus common declared aliases.
 */
export const audioParser: Parser = {
  id: 'audio',
  version: 1,
  mediaTypes: [
    'audio/wav', 'audio/x-wav', 'audio/vnd.wave', 'audio/wave',
    'audio/mpeg', 'audio/mp3',
    'audio/mp4', 'audio/x-m4a', 'audio/aac',
    'audio/flac', 'audio/x-flac',
    'audio/ogg', 'audio/ogg; codecs=opus', 'audio/opus',
  ],
  extensions: ['.wav', '.mp3', '.m4a', '.aac', '.flac', '.ogg', '.oga', '.opus'],
  parse: (input, ctx) => parseMedia(input, ctx, 'audio'),
};

/**
 * Video: the same metadata and transcript of the audio track, plus a thumbnail and three keyframes
 * as artifacts. file-type@21 reports mkv as video/matroska and m4v as video/x-m4v. An .m4a whose
 * MP4 brand is generic sniffs as video/mp4 and lands here; with no picture track it is parsed as audio.
 */
export const videoParser: Parser = {
  id: 'video',
  version: 1,
  mediaTypes: ['video/mp4', 'video/quicktime', 'video/matroska', 'video/x-matroska', 'video/webm', 'video/x-m4v'],
  extensions: ['.mp4', '.mov', '.mkv', '.webm', '.m4v'],
  parse: (input, ctx) => parseMedia(input, ctx, 'video'),
};

export const NO_TRANSCRIBER =
  'no speech-to-text provider is configured: set transcriber=openai with transcriberUrl (a Whisper-compatible server) or transcriberApiKey, or install pocketsphinx (`apt-get install pocketsphinx pocketsphinx-en-us`) for a weak offline transcript';
export const NO_SPEECH = 'no speech found';

async function parseMedia(input: ParseInput, ctx: ParseContext, kind: 'audio' | 'video'): Promise<ParsedDocument> {
  // ffmpeg needs a seekable file (an MP4's index may sit at the end), so the bytes go to scratch.
  const work = await mkdtemp(join(ctx.tmpDir, 'media-'));
  try {
    const file = join(work, `input${safeExtension(input.name)}`);
    await writeFile(file, input.bytes);
    const info = await probeMedia(ctx, file, work);
    const picture = kind === 'video' ? info.video : undefined;
    const title = info.tags.title?.trim() || fileStem(input.name) || null;
    const metadata = mediaMetadata(info);
    if (info.audio === undefined && picture === undefined) throw new AppError('parser.corrupt', 'no audio stream to transcribe');
    // Fail before any work when there is speech to transcribe and nothing to transcribe it with.
    if (info.audio !== undefined && ctx.transcriber === null) throw new AppError('transcriber.unavailable', NO_TRANSCRIBER);
    const blocks = info.audio === undefined ? [] : await transcribeTrack(ctx, file, info, work, metadata);
    const artifacts = await pictures(ctx, file, info, picture, work);
    if (blocks.length === 0) {
      // A silent film or a music video still has real facts worth finding; they are said to be facts.
      if (picture === undefined) throw new AppError('parser.failed', NO_SPEECH);
      return { title, blocks: describeVideo(info, info.audio === undefined ? 'no audio track' : 'no speech found in the audio'), metadata, artifacts };
    }
    return { title, blocks, metadata, ...(artifacts.length > 0 ? { artifacts } : {}) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The audio track's transcript blocks; records what was transcribed, and how, in metadata. */
async function transcribeTrack(ctx: ParseContext, file: string, info: MediaInfo, work: string, metadata: Record<string, unknown>): Promise<Block[]> {
  const transcriber = ctx.transcriber!;
  const audio = await decodeSpeechAudio(ctx, file, info.audio!.index, info.durationSeconds, work);
  const segments = speechSegments(audio);
  metadata.transcriber = transcriber.id;
  // Search results and `files info` flag the text so nobody trusts a weak transcript blindly (decision 0022).
  if (transcriber.lowAccuracy) metadata.transcriptAccuracy = 'low';
  metadata.transcribedSeconds = Math.round(audio.seconds * 1000) / 1000;
  if (audio.truncated) {
    metadata.truncated = true;
    metadata.truncatedReason = `only the first ${ctx.limits.maxMediaSeconds} s are transcribed (maxMediaSeconds)`;
  }
  metadata.speechSegments = segments.length;
  metadata.silenceThresholdDb = audio.silenceThresholdDb;
  return segments.length === 0 ? [] : transcribeSegments(ctx, transcriber, audio, segments);
}

async function pictures(ctx: ParseContext, file: string, info: MediaInfo, picture: MediaInfo['video'], work: string): Promise<Artifact[]> {
  if (picture !== undefined) return videoFrames(ctx, file, picture.index, info.durationSeconds, work);
  if (info.coverArtIndex !== undefined) return coverArt(ctx, file, info.coverArtIndex, work);
  return [];
}

/** Blocks for a video with nothing to transcribe: what ffprobe says, plainly labelled as such. */
function describeVideo(info: MediaInfo, why: string): Block[] {
  const v = info.video!;
  const facts = [
    info.durationSeconds !== undefined ? `${formatDuration(info.durationSeconds)} long` : null,
    v.width !== undefined && v.height !== undefined ? `${v.width}×${v.height} pixels` : null,
    v.fps !== undefined ? `${Math.round(v.fps * 100) / 100} frames per second` : null,
    `${v.codec} video in a ${info.container} container`,
    info.audio !== undefined ? `${info.audio.codec} audio` : null,
  ].filter((f): f is string => f !== null);
  const blocks: Block[] = [{ kind: 'paragraph', text: `Video file facts (${why}, so there is no transcript): ${facts.join(', ')}.` }];
  const tags = (['title', 'artist', 'album', 'date', 'genre', 'comment'] as const)
    .flatMap((k) => (info.tags[k]?.trim() ? [`${k[0]!.toUpperCase()}${k.slice(1)}: ${info.tags[k]!.trim().slice(0, 500)}`] : []));
  if (tags.length > 0) blocks.push({ kind: 'paragraph', text: `${tags.join('. ')}.` });
  return blocks;
}

/** "4.2 s", "3:07", "1:02:03". */
function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.round(seconds * 10) / 10} s`;
  const s = Math.round(seconds);
  const [h, m, sec] = [Math.floor(s / 3600), Math.floor((s % 3600) / 60), s % 60];
  const pad = (n: number): string => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(sec)}` : `${m}:${pad(sec)}`;
}

/** The name's extension when it is a plain one: ffmpeg uses it as a hint for raw formats (.aac). */
function safeExtension(name: string): string {
  const ext = extname(name).toLowerCase();
  return /^\.[a-z0-9]{1,8}$/.test(ext) ? ext : '';
}

function fileStem(name: string): string {
  const base = name.split('/').pop() ?? name;
  const ext = extname(base);
  return (ext ? base.slice(0, -ext.length) : base).trim();
}
