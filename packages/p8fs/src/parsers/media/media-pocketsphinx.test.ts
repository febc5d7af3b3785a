import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JFK_MP3, JFK_TRANSCRIPT, JFK_WAV, MARKITDOWN_M4A, whisperSpellingMap } from '../../adapters/transcribers/audio-yardsticks.fixture.js';
import { PocketsphinxTranscriber } from '../../adapters/transcribers/pocketsphinx.js';
import { ProcessToolRunner } from '../../adapters/tools/process-tool-runner.js';
import { normalizedWords, wordErrors } from '../../domain/wer.js';
import type { ParsedDocument, Parser } from '../../ports/parser.js';
import { testParseContext } from '../../../test/parse-context.js';
import { audioParser, videoParser } from './media-parsers.js';

// End to end with the real offline engine on the shared speech yardsticks: the parser's
// segmentation, time spans and PocketSphinx together. PocketSphinx is weak (see its quality line),
// so these assert a real transcript, not a good one, and print the WER seen.

const tools = new ProcessToolRunner();
const transcriber = new PocketsphinxTranscriber(tools);

async function run(parser: Parser, path: string, mimeType: string): Promise<{ doc: ParsedDocument; seconds: number }> {
  const started = performance.now();
  const doc = await parser.parse({ bytes: readFileSync(path), name: basename(path), mimeType }, testParseContext({ tools, transcriber }));
  return { doc, seconds: (performance.now() - started) / 1000 };
}

function checkSpans(doc: ParsedDocument): void {
  const duration = doc.metadata.durationSeconds as number;
  let last = 0;
  for (const b of doc.blocks) {
    expect(b.kind).toBe('paragraph');
    expect(b.time!.start).toBeGreaterThanOrEqual(last - 0.3);
    expect(b.time!.end).toBeGreaterThan(b.time!.start);
    expect(b.time!.end).toBeLessThanOrEqual(duration + 0.05);
    last = b.time!.end;
  }
}

describe('audio parsing with PocketSphinx on the yardstick clips', () => {
  const spelling = whisperSpellingMap();
  for (const [path, mime] of [
    [JFK_WAV, 'audio/wav'],
    [JFK_MP3, 'audio/mpeg'],
  ] as const) {
    it(`${basename(path)}: a real transcript in timed blocks`, async () => {
      const { doc, seconds } = await run(audioParser, path, mime);
      const text = doc.blocks.map((b) => b.text).join(' ');
      const errors = wordErrors(normalizedWords(JFK_TRANSCRIPT, spelling), normalizedWords(text, spelling));
      console.info(`audioParser+pocketsphinx ${basename(path)}: WER ${errors.wer.toFixed(3)} in ${seconds.toFixed(1)} s, ${doc.blocks.length} blocks: ${JSON.stringify(doc.blocks.map((b) => [b.time, b.text]))}`);
      expect(errors.wer).toBeLessThan(1);
      // PocketSphinx output swings with tiny changes (a 10 ms shift of the same samples turns "what your
      // country can do for you" into "like your brain and you are you"), so ask only for several right words.
      const reference = new Set(normalizedWords(JFK_TRANSCRIPT));
      expect(new Set(normalizedWords(text).filter((w) => reference.has(w))).size).toBeGreaterThanOrEqual(3);
      expect(doc.metadata).toMatchObject({ transcriber: 'pocketsphinx:en-us', transcriptAccuracy: 'low' });
      checkSpans(doc);
    });
  }

  it('markitdown test.m4a (sniffed as video/mp4): numbers heard, as audio', async () => {
    const { doc, seconds } = await run(videoParser, MARKITDOWN_M4A, 'video/mp4');
    const words = normalizedWords(doc.blocks.map((b) => b.text).join(' '));
    console.info(`videoParser+pocketsphinx test.m4a in ${seconds.toFixed(1)} s: ${JSON.stringify(doc.blocks.map((b) => [b.time, b.text]))}`);
    // markitdown expects 1..5; PocketSphinx hears some of them.
    expect(['one', 'two', 'three', 'four', 'five'].filter((w) => words.includes(w)).length).toBeGreaterThanOrEqual(2);
    expect(doc.artifacts).toBeUndefined();
    checkSpans(doc);
  });
});
