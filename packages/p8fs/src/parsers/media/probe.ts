import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { ParseContext } from '../../ports/parser.js';

const PROBE_TIMEOUT_MS = 30_000;

/** The facts about a media file that the parsers use and keep as metadata. */
export interface MediaInfo {
  /** ffprobe's demuxer names, e.g. "mov,mp4,m4a,3gp,3g2,mj2". */
  container: string;
  durationSeconds?: number;
  bitRate?: number;
  /** Lower-cased tag names; container tags win over stream tags. */
  tags: Record<string, string>;
  audio?: { index: number; codec: string; sampleRate?: number; channels?: number; bitRate?: number };
  /** A real picture track, not cover art. */
  video?: { index: number; codec: string; width?: number; height?: number; fps?: number };
  /** Stream index of embedded cover art (an attached picture), if any. */
  coverArtIndex?: number;
}

const Stream = z.looseObject({
  index: z.number(),
  codec_type: z.string().optional(),
  codec_name: z.string().optional(),
  sample_rate: z.string().optional(),
  channels: z.number().optional(),
  bit_rate: z.string().optional(),
  width: z.number().optional(),
  height: z.number().optional(),
  avg_frame_rate: z.string().optional(),
  r_frame_rate: z.string().optional(),
  duration: z.string().optional(),
  disposition: z.looseObject({ attached_pic: z.number().optional() }).optional(),
  tags: z.record(z.string(), z.unknown()).optional(),
});
const Probe = z.looseObject({
  streams: z.array(Stream).default([]),
  format: z
    .looseObject({
      format_name: z.string().optional(),
      duration: z.string().optional(),
      bit_rate: z.string().optional(),
      tags: z.record(z.string(), z.unknown()).optional(),
    })
    .optional(),
});

/**
 * ffprobe the file. Anything ffprobe cannot open, or that has neither sound nor picture, is
 * corrupt (truncated downloads, wrong extension on random bytes). ffmpeg missing propagates as
 * parser.tool_missing.
 */
export async function probeMedia(ctx: ParseContext, file: string, cwd: string): Promise<MediaInfo> {
  const { stdout, stderr, exitCode } = await ctx.tools.run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], {
    timeoutMs: PROBE_TIMEOUT_MS,
    maxOutputBytes: 4 * 1024 * 1024,
    cwd,
    signal: ctx.signal,
  });
  if (exitCode !== 0) throw new AppError('parser.corrupt', `not readable media (corrupt or truncated): ${lastLine(stderr) || `ffprobe exit ${exitCode}`}`);
  let probe: z.infer<typeof Probe>;
  try {
    probe = Probe.parse(JSON.parse(stdout.toString('utf8')));
  } catch {
    throw new AppError('parser.corrupt', 'not readable media: ffprobe gave no usable description');
  }
  const info = describe(probe);
  if (info.audio === undefined && info.video === undefined) throw new AppError('parser.corrupt', 'not readable media: no audio or video stream found');
  return info;
}

function describe(probe: z.infer<typeof Probe>): MediaInfo {
  const audio = probe.streams.find((s) => s.codec_type === 'audio');
  const pictures = probe.streams.filter((s) => s.codec_type === 'video');
  // MP3/M4A/FLAC cover art is a one-frame "video" stream flagged attached_pic.
  const video = pictures.find((s) => s.disposition?.attached_pic !== 1);
  const cover = pictures.find((s) => s.disposition?.attached_pic === 1);
  const format = probe.format ?? {};
  const streamDurations = probe.streams.map((s) => num(s.duration)).filter((d): d is number => d !== undefined);
  const info: MediaInfo = {
    container: format.format_name ?? 'unknown',
    durationSeconds: num(format.duration) ?? (streamDurations.length > 0 ? Math.max(...streamDurations) : undefined),
    bitRate: num(format.bit_rate),
    // Ogg/Opus/FLAC keep Vorbis comments on the stream, MP3/MP4 on the container.
    tags: { ...lowerTags(audio?.tags), ...lowerTags(format.tags) },
  };
  if (audio !== undefined)
    info.audio = { index: audio.index, codec: audio.codec_name ?? 'unknown', sampleRate: num(audio.sample_rate), channels: audio.channels, bitRate: num(audio.bit_rate) };
  if (video !== undefined)
    info.video = { index: video.index, codec: video.codec_name ?? 'unknown', width: video.width, height: video.height, fps: rate(video.avg_frame_rate) ?? rate(video.r_frame_rate) };
  if (cover !== undefined) info.coverArtIndex = cover.index;
  return info;
}

/** Tags worth keeping as file metadata, under stable names. */
const KEPT_TAGS = ['title', 'artist', 'album', 'album_artist', 'date', 'genre', 'composer', 'comment', 'language'] as const;
const MAX_TAG_CHARS = 500;

/** MediaInfo as flat file metadata (numbers rounded, tags limited to the useful ones). */
export function mediaMetadata(info: MediaInfo): Record<string, unknown> {
  const m: Record<string, unknown> = { container: info.container };
  if (info.durationSeconds !== undefined) m.durationSeconds = round(info.durationSeconds);
  if (info.bitRate !== undefined) m.bitRate = info.bitRate;
  if (info.audio) {
    m.audioCodec = info.audio.codec;
    if (info.audio.sampleRate !== undefined) m.sampleRate = info.audio.sampleRate;
    if (info.audio.channels !== undefined) m.channels = info.audio.channels;
  }
  m.hasAudio = info.audio !== undefined;
  if (info.video) {
    m.videoCodec = info.video.codec;
    if (info.video.width !== undefined) m.width = info.video.width;
    if (info.video.height !== undefined) m.height = info.video.height;
    if (info.video.fps !== undefined) m.fps = round(info.video.fps);
  }
  for (const k of KEPT_TAGS) {
    const v = info.tags[k]?.trim();
    if (v) m[k] = v.slice(0, MAX_TAG_CHARS);
  }
  return m;
}

function lowerTags(tags: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) if (typeof v === 'string' && v.trim() !== '') out[k.toLowerCase()] = v;
  return out;
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s === 'N/A') return undefined;
  const n = Number(s);
  return Number.isFinite(n) ? n : undefined;
}

/** "30000/1001" → 29.97; "0/0" → undefined. */
function rate(s: string | undefined): number | undefined {
  const m = /^(\d+)\/(\d+)$/.exec(s ?? '');
  if (!m || Number(m[2]) === 0 || Number(m[1]) === 0) return undefined;
  return Number(m[1]) / Number(m[2]);
}

const round = (n: number): number => Math.round(n * 1000) / 1000;
export const lastLine = (s: string): string => s.trim().split('\n').pop()?.trim() ?? '';
