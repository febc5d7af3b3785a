import type { Artifact, ParseContext } from '../../ports/parser.js';

const FRAME_TIMEOUT_MS = 30_000;
const FRAME_MAX_BYTES = 4 * 1024 * 1024;
// 320 px wide, never enlarged; -2 keeps the height even for the encoder.
const SCALE = 'scale=w=min(320\\,iw):h=-2';
/** Where the thumbnail comes from: early enough to be representative, late enough to skip a black intro. */
const THUMBNAIL_AT = 0.1;
const KEYFRAMES_AT = [0.25, 0.5, 0.75] as const;

/** A JPEG of one frame of stream `stream` at `seconds` (null: the first), or null when there is no frame there. */
async function grabFrame(ctx: ParseContext, input: string, stream: number, seconds: number | null, cwd: string): Promise<Buffer | null> {
  // -ss before -i seeks by index (fast) rather than decoding everything up to the time. Any -ss,
  // even 0, loses an attached picture (cover art), which has no timestamp to seek to.
  const seek = seconds === null ? [] : ['-ss', seconds.toFixed(3)];
  const { stdout, exitCode } = await ctx.tools.run(
    'ffmpeg',
    [
      ...['-nostdin', '-hide_banner', '-nostats', '-loglevel', 'error', ...seek, '-i', input],
      ...['-map', `0:${stream}`, '-frames:v', '1', '-vf', SCALE, '-f', 'image2pipe', '-c:v', 'mjpeg', '-q:v', '4', 'pipe:1'],
    ],
    { timeoutMs: FRAME_TIMEOUT_MS, maxOutputBytes: FRAME_MAX_BYTES, memoryMb: 2048, cwd, signal: ctx.signal },
  );
  // A seek past the last frame, or an undecodable frame, gives nothing: that image is simply left out.
  return exitCode === 0 && stdout.length > 0 ? stdout : null;
}

/** A 'thumbnail' at 10% in and 'keyframe-1..3' at 25/50/75% of a video stream. */
export async function videoFrames(ctx: ParseContext, input: string, stream: number, durationSeconds: number | undefined, cwd: string): Promise<Artifact[]> {
  const artifacts: Artifact[] = [];
  const known = durationSeconds !== undefined && durationSeconds > 0;
  const thumbAt = known ? durationSeconds * THUMBNAIL_AT : 0;
  const thumb = await grabFrame(ctx, input, stream, thumbAt, cwd);
  if (thumb) artifacts.push(jpeg('thumbnail', 'thumbnail', thumb, thumbAt));
  // Without a duration there is nowhere to place keyframes; the thumbnail from the start is all.
  if (!known) return artifacts;
  let n = 0;
  for (const share of KEYFRAMES_AT) {
    const at = durationSeconds * share;
    const frame = await grabFrame(ctx, input, stream, at, cwd);
    if (frame) artifacts.push(jpeg(`keyframe-${++n}`, 'keyframe', frame, at));
  }
  return artifacts;
}

/** Embedded cover art (MP3 APIC, M4A covr, FLAC picture) as the thumbnail. */
export async function coverArt(ctx: ParseContext, input: string, stream: number, cwd: string): Promise<Artifact[]> {
  const frame = await grabFrame(ctx, input, stream, null, cwd);
  return frame ? [{ name: 'thumbnail', role: 'thumbnail', mimeType: 'image/jpeg', bytes: frame, metadata: { source: 'cover art' } }] : [];
}

function jpeg(name: string, role: Artifact['role'], bytes: Buffer, atSeconds: number): Artifact {
  return { name, role, mimeType: 'image/jpeg', bytes, metadata: { atSeconds: Math.round(atSeconds * 1000) / 1000 } };
}
