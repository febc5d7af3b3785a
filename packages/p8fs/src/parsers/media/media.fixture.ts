import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { Transcriber, Transcript } from '../../ports/transcriber.js';

// Test media made on the spot with the Debian tools the parsers use (sox, ffmpeg, espeak-ng), so
// every expected time span follows from how the file was built.

const dir = mkdtempSync(join(tmpdir(), 'p8fs-media-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

/** A piece of a test recording: a tone (loud, so never "silence"), silence, or spoken words. */
export type Piece = { tone: number; freq?: number } | { silence: number } | { say: string };

/** 16 kHz mono WAV made of the pieces in order; returns its path. */
export function makeWav(pieces: readonly Piece[]): string {
  const parts = pieces.map((p) => {
    const out = join(dir, `piece-${++counter}.wav`);
    if ('say' in p) {
      const raw = join(dir, `say-${counter}.wav`);
      execFileSync('espeak-ng', ['-w', raw, p.say]);
      execFileSync('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', out]);
    } else if ('tone' in p) execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', out, 'synth', String(p.tone), 'sine', String(p.freq ?? 440), 'vol', '0.5']);
    else execFileSync('sox', ['-n', '-r', '16000', '-c', '1', '-b', '16', out, 'trim', '0', String(p.silence)]);
    return out;
  });
  const out = join(dir, `audio-${++counter}.wav`);
  execFileSync('sox', [...parts, out]);
  return out;
}

/** Run ffmpeg with the given arguments, writing `name` in the scratch folder; returns its path. */
export function ffmpeg(args: readonly string[], name: string): string {
  const out = join(dir, `${++counter}-${name}`);
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args, out]);
  return out;
}

export const read = (path: string): Buffer => readFileSync(path);

/** The seconds of 16 kHz mono s16 audio in a WAV the parser built (44-byte header). */
export const wavSeconds = (wav: Buffer): number => (wav.length - 44) / 32_000;

/**
 * A stand-in transcriber: records each call's audio length and answers from `reply`, given the
 * seconds of audio it got (calls run two at a time, so their order is not fixed). It checks the
 * WAV it is given, as every real provider relies on the format.
 */
export function fakeTranscriber(reply: (seconds: number) => Transcript = (s) => ({ text: `speech of ${s.toFixed(2)} s` })): Transcriber & { calls: number[] } {
  const calls: number[] = [];
  return {
    id: 'fake',
    quality: 'test double',
    calls,
    async transcribe(wav) {
      if (wav.toString('ascii', 0, 4) !== 'RIFF' || wav.readUInt32LE(24) !== 16_000 || wav.readUInt16LE(22) !== 1 || wav.readUInt16LE(34) !== 16)
        throw new Error('not 16 kHz mono s16 WAV');
      const seconds = wavSeconds(wav);
      calls.push(Math.round(seconds * 1000) / 1000);
      return reply(seconds);
    },
  };
}
