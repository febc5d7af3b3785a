import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { normalizedWords, wordErrors } from '../../domain/wer.js';
import { ProcessToolRunner } from '../tools/process-tool-runner.js';
import { JFK_TRANSCRIPT, JFK_WAV, whisperSpellingMap } from './audio-yardsticks.fixture.js';
import { parsePocketsphinxOutput, PocketsphinxTranscriber } from './pocketsphinx.js';

describe('parsePocketsphinxOutput', () => {
  it('turns each utterance into a segment spanning its <s> to </s>', () => {
    const out = [
      'what your country',
      '<s> 5.300 5.340 0.999200',
      'what 5.350 5.600 0.285662',
      'your 5.610 5.850 0.709042',
      'country 5.860 6.420 0.473555',
      '</s> 6.430 6.950 1.000000',
      '',
      '<s> 7.000 7.400 0.999900',
      '</s> 7.410 7.900 1.000000',
      'can(2) you',
      '<s> 8.070 8.150 0.998900',
      'can(2) 8.160 8.530 0.840868',
      '<sil> 8.540 8.600 0.6',
      'you 8.610 9.170 1.5e-05',
      '</s> 9.180 9.990 1.000000',
      '',
    ].join('\n');
    expect(parsePocketsphinxOutput(out)).toEqual({
      text: 'what your country can(2) you',
      segments: [
        { start: 5.3, end: 6.95, text: 'what your country' },
        { start: 8.07, end: 9.99, text: 'can(2) you' },
      ],
    });
  });

  it('gives plain text when no word times came back, and nothing for silence', () => {
    expect(parsePocketsphinxOutput('hello world\n')).toEqual({ text: 'hello world' });
    expect(parsePocketsphinxOutput('\n<s> 0.000 0.620 0.999900\n</s> 0.630 0.980 1.000000\n')).toEqual({ text: '' });
  });
});

describe('PocketsphinxTranscriber', () => {
  const tools = new ProcessToolRunner();

  it('transcribes the JFK clip into a real, if weak, transcript', async () => {
    const t = new PocketsphinxTranscriber(tools);
    const started = performance.now();
    const out = await t.transcribe(readFileSync(JFK_WAV));
    const seconds = (performance.now() - started) / 1000;
    const spelling = whisperSpellingMap();
    const errors = wordErrors(normalizedWords(JFK_TRANSCRIPT, spelling), normalizedWords(out.text, spelling));
    // Recorded, not asserted tightly: PocketSphinx 0.8 on this clip gives WER 0.545 (12 errors in 22 words) in ~8 s.
    console.info(`pocketsphinx JFK: WER ${errors.wer.toFixed(3)} (${JSON.stringify(errors)}) in ${seconds.toFixed(1)} s: "${out.text}"`);
    expect(errors.wer).toBeLessThan(1);
    const words = new Set(normalizedWords(out.text));
    expect(['country', 'you', 'what', 'can', 'do'].filter((w) => words.has(w)).length).toBeGreaterThanOrEqual(3);
    // Utterance times lie inside the 11 s clip, in order.
    expect(out.segments?.length).toBeGreaterThan(0);
    let last = 0;
    for (const s of out.segments ?? []) {
      expect(s.start).toBeGreaterThanOrEqual(last);
      expect(s.end).toBeGreaterThan(s.start);
      expect(s.end).toBeLessThanOrEqual(11.1);
      last = s.end;
    }
  });

  it('refuses languages its model does not have', async () => {
    const err = await new PocketsphinxTranscriber(tools).transcribe(Buffer.alloc(44), { language: 'de' }).catch((e: unknown) => e);
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
  });

  it('fails with transcriber.unavailable when the engine cannot read its input', async () => {
    const err = await new PocketsphinxTranscriber(tools).transcribe(Buffer.from('not a wav at all')).catch((e: unknown) => e);
    expect(isAppError(err, 'transcriber.unavailable')).toBe(true);
  });

  it('fails with parser.tool_missing naming the package when not installed', async () => {
    const err = await new PocketsphinxTranscriber(new ProcessToolRunner('/nonexistent')).transcribe(Buffer.alloc(44)).catch((e: unknown) => e);
    expect(isAppError(err, 'parser.tool_missing')).toBe(true);
    expect((err as Error).message).toMatch(/apt-get install pocketsphinx pocketsphinx-en-us/);
  });
});
