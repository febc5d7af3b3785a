import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SpellingMap } from '../../domain/wer.js';

// The speech clips of shared/yardsticks/audio (see its README), next to the repository checkout.

const REPO_ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
export const AUDIO_YARDSTICKS = resolve(REPO_ROOT, '../shared/yardsticks/audio');

export const JFK_WAV = resolve(AUDIO_YARDSTICKS, 'whisper.cpp/jfk.wav');
export const JFK_MP3 = resolve(AUDIO_YARDSTICKS, 'whisper.cpp/jfk.mp3');
export const MARKITDOWN_M4A = resolve(AUDIO_YARDSTICKS, 'markitdown/test.m4a');

/** The exact words of the JFK clip (whisper.cpp README and binding tests). */
export const JFK_TRANSCRIPT = 'And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.';

/** Whisper's British→American spelling map, for normalising before WER. */
export function whisperSpellingMap(): SpellingMap {
  return JSON.parse(readFileSync(resolve(AUDIO_YARDSTICKS, 'whisper-english-normalizer.json'), 'utf8')) as SpellingMap;
}
