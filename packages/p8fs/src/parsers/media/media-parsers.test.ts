import { basename } from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ProcessToolRunner } from '../../adapters/tools/process-tool-runner.js';
import { type AppError, isAppError } from '../../domain/errors.js';
import { DEFAULT_PARSE_LIMITS, type ParsedDocument, type ParseLimits, type Parser } from '../../ports/parser.js';
import type { Transcriber } from '../../ports/transcriber.js';
import { testParseContext } from '../../../test/parse-context.js';
import { fakeTranscriber, ffmpeg, makeWav, read } from './media.fixture.js';
import { audioParser, NO_SPEECH, NO_TRANSCRIBER, videoParser } from './media-parsers.js';

async function sniff(bytes: Buffer): Promise<string> {
  const { fileTypeFromBuffer } = await import('file-type');
  return (await fileTypeFromBuffer(bytes))?.mime ?? 'unknown';
}

/** Parse a file the way the registry would: with the media type file-type sniffs from its bytes. */
async function parse(parser: Parser, path: string, transcriber: Transcriber | null, limits: Partial<ParseLimits> = {}, name = basename(path)): Promise<ParsedDocument> {
  const bytes = read(path);
  const mimeType = await sniff(bytes);
  return parser.parse({ bytes, name, mimeType }, testParseContext({ transcriber, limits: { ...DEFAULT_PARSE_LIMITS, ...limits } }));
}
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);
const spans = (doc: ParsedDocument) => doc.blocks.map((b) => [b.time?.start, b.time?.end]);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

// 1 s tone, 2 s pause, 1.5 s tone: silencedetect puts the pause at exactly 1.000–3.000.
const twoTones = () => makeWav([{ tone: 1 }, { silence: 2 }, { tone: 1.5, freq: 660 }]);

describe('audioParser: segmentation and time spans', () => {
  it('transcribes each stretch of speech separately, with its absolute time span', async () => {
    const t = fakeTranscriber();
    const doc = await parse(audioParser, twoTones(), t, {}, 'talk.wav');
    expect(doc.title).toBe('talk');
    expect(doc.blocks).toEqual([
      { kind: 'paragraph', text: 'speech of 1.25 s', time: { start: 0, end: 1 } },
      { kind: 'paragraph', text: 'speech of 1.75 s', time: { start: 3, end: 4.5 } },
    ]);
    // Each slice carries 0.25 s of padding either side, clamped to the recording.
    expect(sorted(t.calls)).toEqual([1.25, 1.75]);
    expect(doc.metadata).toMatchObject({
      container: 'wav',
      durationSeconds: 4.5,
      audioCodec: 'pcm_s16le',
      sampleRate: 16000,
      channels: 1,
      hasAudio: true,
      transcriber: 'fake',
      transcribedSeconds: 4.5,
      speechSegments: 2,
    });
    expect(doc.metadata.truncated).toBeUndefined();
    expect(doc.metadata.transcriptAccuracy).toBeUndefined();
    expect(doc.artifacts).toBeUndefined();
  });

  it("uses the provider's own timed segments, offset to the recording", async () => {
    const t = fakeTranscriber(() => ({
      text: 'a b',
      segments: [
        { start: 0.25, end: 0.75, text: ' a ' },
        { start: 0.8, end: 9, text: 'b' },
        { start: 1, end: 1, text: '  ' },
      ],
    }));
    const doc = await parse(audioParser, twoTones(), t);
    expect(doc.blocks.map((b) => b.text)).toEqual(['a', 'b', 'a', 'b']);
    // Second slice starts at 3.00006 - 0.25; a segment running past the slice is clamped to it.
    expect(spans(doc)).toEqual([
      [0.25, 0.75],
      [0.8, 1.25],
      [3, 3.5],
      [3.55, 4.5],
    ]);
  });

  it('merges stretches across short pauses and skips blips', async () => {
    const t = fakeTranscriber();
    const wav = makeWav([{ tone: 1 }, { silence: 0.7 }, { tone: 1 }, { silence: 2 }, { tone: 0.2 }, { silence: 2 }, { tone: 1 }]);
    const doc = await parse(audioParser, wav, t);
    expect(spans(doc)).toEqual([
      [0, 2.7],
      [6.9, 7.9],
    ]);
    expect(t.calls).toHaveLength(2);
  });

  it('cuts unbroken sound into segments of at most 30 s', async () => {
    const t = fakeTranscriber();
    const doc = await parse(audioParser, makeWav([{ tone: 70 }]), t);
    expect(spans(doc)).toEqual([
      [0, 23.333],
      [23.333, 46.667],
      [46.667, 70],
    ]);
    expect(sorted(t.calls)).toEqual([23.583, 23.583, 23.833]);
  });

  it('finds the pause between two spoken sentences', async () => {
    const t = fakeTranscriber();
    const wav = makeWav([{ say: 'Hello world, this is the first sentence.' }, { silence: 2 }, { say: 'And this is the second one, after a pause.' }]);
    const doc = await parse(audioParser, wav, t);
    expect(doc.blocks).toHaveLength(2);
    const [[s1, e1], [s2, e2]] = spans(doc) as [[number, number], [number, number]];
    const total = doc.metadata.durationSeconds as number;
    expect(s1).toBeLessThan(0.3);
    // espeak-ng leaves a short tail of its own after each sentence, so the gap is at least the 2 s added.
    expect(s2 - e1).toBeGreaterThanOrEqual(2);
    expect(s2 - e1).toBeLessThan(3);
    expect(e2).toBeGreaterThan(total - 0.6);
    expect(e2).toBeLessThanOrEqual(total);
  });

  it('transcribes only maxMediaSeconds and says so', async () => {
    const t = fakeTranscriber();
    const doc = await parse(audioParser, twoTones(), t, { maxMediaSeconds: 2 });
    expect(spans(doc)).toEqual([[0, 1]]);
    expect(doc.metadata).toMatchObject({ durationSeconds: 4.5, transcribedSeconds: 2, truncated: true });
    expect(doc.metadata.truncatedReason).toMatch(/first 2 s/);
  });
});

describe('audioParser: formats and metadata', () => {
  const encodings: [string, string[]][] = [
    ['flac', []],
    ['ogg', ['-c:a', 'libvorbis']],
    ['opus', ['-c:a', 'libopus']],
    ['m4a', ['-c:a', 'aac']],
    ['mp3', ['-c:a', 'libmp3lame']],
  ];
  const source = twoTones();
  for (const [ext, codec] of encodings) {
    it(`reads ${ext} (sniffed type is one the parser lists)`, async () => {
      const file = ffmpeg(['-i', source, ...codec], `tones.${ext}`);
      expect(audioParser.mediaTypes).toContain(await sniff(read(file)));
      expect(audioParser.extensions).toContain(`.${ext}`);
      const doc = await parse(audioParser, file, fakeTranscriber());
      expect(doc.blocks).toHaveLength(2);
      const [[s1, e1], [s2, e2]] = spans(doc) as [[number, number], [number, number]];
      for (const [got, want] of [[s1, 0], [e1, 1], [s2, 3], [e2, 4.5]] as const) expect(Math.abs(got - want)).toBeLessThan(0.06);
    });
  }

  it('keeps tags, takes the title from them, and turns cover art into the thumbnail', async () => {
    const cover = ffmpeg(['-f', 'lavfi', '-i', 'testsrc=size=600x600:rate=1', '-frames:v', '1'], 'cover.jpg');
    const file = ffmpeg(
      [
        ...['-i', source, '-i', cover, '-map', '0:a', '-map', '1:v', '-c:a', 'libmp3lame', '-c:v', 'mjpeg', '-disposition:v', 'attached_pic', '-id3v2_version', '3'],
        ...['-metadata', 'title=Ask Not', '-metadata', 'artist=J. F. Kennedy', '-metadata', 'album=Speeches', '-metadata', 'date=1961'],
      ],
      'tagged.mp3',
    );
    const doc = await parse(audioParser, file, fakeTranscriber());
    expect(doc.title).toBe('Ask Not');
    expect(doc.metadata).toMatchObject({ title: 'Ask Not', artist: 'J. F. Kennedy', album: 'Speeches', date: '1961', audioCodec: 'mp3', channels: 1 });
    // Cover art is not a video: no width/height/fps, no keyframes.
    expect(doc.metadata.videoCodec).toBeUndefined();
    expect(doc.artifacts?.map((a) => [a.name, a.role, a.mimeType])).toEqual([['thumbnail', 'thumbnail', 'image/jpeg']]);
    expect(await sharp(doc.artifacts![0]!.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 320 });
  });
});

describe('audioParser: failures', () => {
  it('fails with transcriber.unavailable when no provider is configured', async () => {
    const err = await fail(parse(audioParser, twoTones(), null));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
    expect(err?.message).toBe(NO_TRANSCRIBER);
  });

  it('fails with "no speech found" on silence, without calling the transcriber', async () => {
    const t = fakeTranscriber();
    const err = await fail(parse(audioParser, makeWav([{ silence: 3 }]), t));
    expect(isAppError(err, 'parser.failed')).toBe(true);
    expect(err?.message).toBe(NO_SPEECH);
    expect(t.calls).toEqual([]);
  });

  it('fails with "no speech found" when the transcriber hears nothing', async () => {
    const err = await fail(parse(audioParser, twoTones(), fakeTranscriber(() => ({ text: '  ' }))));
    expect(isAppError(err, 'parser.failed')).toBe(true);
    expect(err?.message).toBe(NO_SPEECH);
  });

  it('reports random bytes as parser.corrupt', async () => {
    const bytes = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 251));
    const err = await fail(audioParser.parse({ bytes, name: 'x.mp3', mimeType: 'audio/mpeg' }, testParseContext({ transcriber: fakeTranscriber() })));
    expect(isAppError(err, 'parser.corrupt')).toBe(true);
  });

  it('reports a truncated MP4 (index lost) as parser.corrupt', async () => {
    const full = read(ffmpeg(['-f', 'lavfi', '-i', 'sine=duration=3', '-c:a', 'aac'], 'whole.m4a'));
    const bytes = full.subarray(0, Math.floor(full.length / 2));
    const err = await fail(audioParser.parse({ bytes, name: 'cut.m4a', mimeType: 'audio/x-m4a' }, testParseContext({ transcriber: fakeTranscriber() })));
    expect(isAppError(err, 'parser.corrupt')).toBe(true);
  });

  it('passes on parser.tool_missing when ffmpeg is not installed', async () => {
    const ctx = testParseContext({ transcriber: fakeTranscriber(), tools: new ProcessToolRunner('/nonexistent') });
    const err = await fail(audioParser.parse({ bytes: read(twoTones()), name: 'a.wav', mimeType: 'audio/wav' }, ctx));
    expect(isAppError(err, 'parser.tool_missing')).toBe(true);
    expect(err?.message).toMatch(/apt-get install ffmpeg/);
  });
});

describe('videoParser', () => {
  const clip = (size: string, audio: string[], out: string, codec: string[] = ['-c:v', 'libx264', '-pix_fmt', 'yuv420p']) =>
    ffmpeg(['-f', 'lavfi', '-i', `testsrc=duration=3:size=${size}:rate=10`, ...audio, ...codec, '-shortest', '-metadata', 'title=Test Pattern'], out);
  const withTone = ['-f', 'lavfi', '-i', 'sine=frequency=440:duration=3'];

  it('transcribes the audio track and keeps a thumbnail and three keyframes', async () => {
    const t = fakeTranscriber();
    const doc = await parse(videoParser, clip('320x240', withTone, 'clip.mp4'), t);
    expect(doc.title).toBe('Test Pattern');
    expect(doc.blocks).toHaveLength(1);
    const [[start, end]] = spans(doc) as [[number, number]];
    expect(start).toBe(0);
    expect(Math.abs(end - 3)).toBeLessThan(0.1);
    expect(doc.metadata).toMatchObject({ videoCodec: 'h264', width: 320, height: 240, fps: 10, audioCodec: 'aac', hasAudio: true, transcriber: 'fake' });
    expect(doc.artifacts?.map((a) => [a.name, a.role, a.metadata?.atSeconds])).toEqual([
      ['thumbnail', 'thumbnail', 0.3],
      ['keyframe-1', 'keyframe', 0.75],
      ['keyframe-2', 'keyframe', 1.5],
      ['keyframe-3', 'keyframe', 2.25],
    ]);
    for (const a of doc.artifacts ?? []) {
      expect(a.mimeType).toBe('image/jpeg');
      expect(await sharp(a.bytes).metadata()).toMatchObject({ format: 'jpeg', width: 320, height: 240 });
    }
  });

  it('describes a video with no audio track from its facts, without needing a transcriber', async () => {
    const doc = await parse(videoParser, clip('320x240', [], 'silent-film.mp4'), null);
    expect(doc.blocks).toHaveLength(2);
    expect(doc.blocks[0]!.text).toBe(
      'Video file facts (no audio track, so there is no transcript): 3 s long, 320×240 pixels, 10 frames per second, h264 video in a mov,mp4,m4a,3gp,3g2,mj2 container.',
    );
    expect(doc.blocks[1]!.text).toBe('Title: Test Pattern.');
    expect(doc.blocks.every((b) => b.time === undefined)).toBe(true);
    expect(doc.metadata).toMatchObject({ hasAudio: false, width: 320 });
    expect(doc.artifacts).toHaveLength(4);
  });

  it('fails with transcriber.unavailable when the video has sound and no provider is configured', async () => {
    const err = await fail(parse(videoParser, clip('320x240', withTone, 'talk.mp4'), null));
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
  });

  it('falls back to the facts when the sound track has no speech', async () => {
    const t = fakeTranscriber();
    const doc = await parse(videoParser, clip('320x240', ['-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=stereo'], 'quiet.mp4'), t);
    expect(t.calls).toEqual([]);
    expect(doc.blocks[0]!.text).toMatch(/^Video file facts \(no speech found in the audio, so there is no transcript\): .*aac audio\.$/);
    expect(doc.metadata.speechSegments).toBe(0);
  });

  it('reads WebM and Matroska, scaling frames down to 320 px wide', async () => {
    const webm = clip('640x480', withTone, 'clip.webm', ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-c:a', 'libopus']);
    const mkv = ffmpeg(['-i', webm, '-c', 'copy'], 'clip.mkv');
    for (const file of [webm, mkv]) {
      expect(videoParser.mediaTypes).toContain(await sniff(read(file)));
      const doc = await parse(videoParser, file, fakeTranscriber());
      expect(doc.metadata).toMatchObject({ videoCodec: 'vp8', width: 640, height: 480 });
      expect(doc.blocks).toHaveLength(1);
      expect(await sharp(doc.artifacts![0]!.bytes).metadata()).toMatchObject({ width: 320, height: 240 });
    }
  });

  it('never enlarges a small video, and lists the QuickTime and M4V types file-type reports', async () => {
    const mp4 = clip('160x120', withTone, 'small.mp4');
    const doc = await parse(videoParser, mp4, fakeTranscriber());
    expect(await sharp(doc.artifacts![0]!.bytes).metadata()).toMatchObject({ width: 160, height: 120 });
    for (const ext of ['mov', 'm4v']) expect(videoParser.mediaTypes).toContain(await sniff(read(ffmpeg(['-i', mp4, '-c', 'copy'], `small.${ext}`))));
  });

  it('parses an MP4 with only sound as audio (an .m4a sniffed as video/mp4)', async () => {
    const m4a = ffmpeg(['-i', twoTones(), '-c:a', 'aac', '-f', 'mp4'], 'sound-only.m4a');
    const doc = await parse(videoParser, m4a, fakeTranscriber());
    expect(doc.blocks).toHaveLength(2);
    expect(doc.artifacts).toBeUndefined();
    expect(doc.metadata.hasAudio).toBe(true);
  });
});
