// Parsing for the parsers bench: the product's registry and parse services, inline, with warm timing.
import { tmpdir } from 'node:os';
import { runInNewContext } from 'node:vm';
import { setFlagsFromString } from 'node:v8';
import { InlineParseRunner } from '../adapters/parse/inline-runner.js';
import { parseEnvFromConfig } from '../adapters/parse/env.js';
import { errorMessage, isAppError } from '../domain/errors.js';
import { createParserRegistry } from '../parsers/index.js';
import type { ParseOutcome, ParseRunner } from '../ports/parser.js';
import { benchConfig } from './common.js';

/** Inline runner over every registered parser, with the default OCR (tesseract.js) and transcriber (auto). */
export function createBenchRunner(): ParseRunner {
  const config = benchConfig(tmpdir(), { ocrProvider: 'tesseract.js', transcriber: 'auto' });
  return new InlineParseRunner(createParserRegistry(), parseEnvFromConfig(config));
}

export interface ParseFailure {
  code: string;
  message: string;
}

export type TimedParse = { ok: true; outcome: ParseOutcome; ms: number; runs_ms: number[] } | { ok: false; error: ParseFailure };

/**
 * Parse once untimed (lazy imports, WASM compiles, OCR models and tool caches warm up), then `runs`
 * timed parses; the median is reported. A failure of the warm-up parse is the file's result.
 */
export async function timedParse(runner: ParseRunner, name: string, bytes: Buffer, runs: number): Promise<TimedParse> {
  // As an upload with no declared type: the registry goes by content and extension alone.
  const req = { bytes, name, mimeType: 'application/octet-stream', depth: 0 };
  let outcome: ParseOutcome;
  try {
    outcome = await runner.parse(req);
  } catch (err) {
    return { ok: false, error: { code: isAppError(err) ? err.code : 'error', message: errorMessage(err) } };
  }
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    outcome = await runner.parse(req);
    samples.push(performance.now() - t0);
  }
  const sorted = [...samples].sort((a, b) => a - b);
  return { ok: true, outcome, ms: sorted[Math.floor(sorted.length / 2)]!, runs_ms: samples.map((s) => Math.round(s * 10) / 10) };
}

/**
 * A full garbage collection, so heap figures measure what a format group keeps rather than what
 * happened to be uncollected. Exposes V8's gc() at run time (the child is not started with --expose-gc).
 */
export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

export const heapMb = (): number => Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10;
