import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { ToolRunner } from '../../ports/tools.js';
import type { Transcriber, Transcript, TranscriptSegment } from '../../ports/transcriber.js';

export const POCKETSPHINX_TOOL = 'pocketsphinx_continuous';

// 16 kHz mono s16: 32,000 bytes a second after the 44-byte header.
const WAV_BYTES_PER_SECOND = 32_000;
// Decoding runs at about 0.7x real time on one core here; four times real time plus the model load
// (about 0.7 s) leaves room for a busy machine without letting a stuck run hang a parse.
const TIMEOUT_BASE_MS = 30_000;
const TIMEOUT_PER_AUDIO_SECOND_MS = 4_000;
// The US-English model is 37 MB; decoding needs far less than this.
const MEMORY_MB = 1024;

/**
 * CMU PocketSphinx 0.8 (Debian `pocketsphinx` + `pocketsphinx-en-us`), run per call as
 * `pocketsphinx_continuous -infile x.wav`. Fully offline but old: on clean human speech it gets
 * the gist at best, and it produces nonsense on synthetic voices. A fallback so audio is
 * searchable at all when no Whisper-class server is configured, never a substitute for one.
 */
export class PocketsphinxTranscriber implements Transcriber {
  readonly id = 'pocketsphinx:en-us';
  readonly lowAccuracy = true;
  readonly quality =
    'weak offline fallback (CMU PocketSphinx 0.8, US English): expect about half the words wrong (WER 0.55 on the JFK clip); configure a Whisper-compatible server for usable transcripts';

  constructor(private readonly tools: ToolRunner) {}

  async transcribe(wav: Buffer, opts: { language?: string; signal?: AbortSignal } = {}): Promise<Transcript> {
    if (opts.language && !/^en\b/i.test(opts.language))
      throw new AppError('transcriber.unavailable', `pocketsphinx only has a US-English model; cannot transcribe language "${opts.language}"`);
    const dir = await mkdtemp(join(tmpdir(), 'p8fs-sphinx-'));
    try {
      const file = join(dir, 'audio.wav');
      await writeFile(file, wav);
      const seconds = Math.max(0, wav.length - 44) / WAV_BYTES_PER_SECOND;
      // -time yes adds a line per word with its start and end, which gives utterance time spans.
      const { stdout, exitCode } = await this.tools.run(POCKETSPHINX_TOOL, ['-infile', file, '-logfn', '/dev/null', '-time', 'yes'], {
        timeoutMs: TIMEOUT_BASE_MS + seconds * TIMEOUT_PER_AUDIO_SECOND_MS,
        memoryMb: MEMORY_MB,
        maxOutputBytes: 16 * 1024 * 1024,
        cwd: dir,
        signal: opts.signal,
      });
      if (exitCode !== 0)
        throw new AppError(
          'transcriber.unavailable',
          `${POCKETSPHINX_TOOL} failed (exit ${exitCode}); is its model installed? \`apt-get install pocketsphinx-en-us\``,
        );
      return parsePocketsphinxOutput(stdout.toString('utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

// "word start end probability", e.g. "country 5.860 6.420 0.473555" or "<s> 0.000 0.040 0.998900".
const WORD_LINE = /^(\S+) (\d+(?:\.\d+)?) (\d+(?:\.\d+)?) (-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i;

/**
 * `-time yes` output: each utterance is its hypothesis on one line, then one line per word
 * (with <s>, </s> and <sil> markers) giving times. An utterance with nothing recognised prints an
 * empty hypothesis; it is dropped.
 */
export function parsePocketsphinxOutput(out: string): Transcript {
  const groups: { text: string; start?: number; end?: number }[] = [];
  for (const raw of out.split('\n')) {
    const line = raw.trim();
    const word = WORD_LINE.exec(line);
    if (word) {
      const g = groups.at(-1);
      if (g === undefined) continue;
      const [start, end] = [Number(word[2]), Number(word[3])];
      g.start = Math.min(g.start ?? start, start);
      g.end = Math.max(g.end ?? end, end);
    } else {
      groups.push({ text: line });
    }
  }
  const spoken = groups.filter((g) => g.text !== '');
  const text = spoken.map((g) => g.text).join(' ');
  const segments: TranscriptSegment[] = spoken.flatMap((g) => (g.start === undefined || g.end === undefined ? [] : [{ start: g.start, end: g.end, text: g.text }]));
  // Times for only some utterances would misplace the rest: all or nothing.
  return segments.length === spoken.length && segments.length > 0 ? { text, segments } : { text };
}
