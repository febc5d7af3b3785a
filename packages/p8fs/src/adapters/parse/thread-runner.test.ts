import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { DEFAULT_PARSE_LIMITS } from '../../ports/parser.js';
import type { ParseEnv } from './env.js';
import { ThreadParseRunner } from './thread-runner.js';

const env: ParseEnv = {
  limits: DEFAULT_PARSE_LIMITS,
  timeoutMs: 3_000,
  memoryMb: 96,
  ocr: 'none',
  transcriber: { provider: 'none', model: 'whisper-1' },
};

const REGISTRY = new URL('./misbehaving-parsers.fixture.ts', import.meta.url).href;
const runner = new ThreadParseRunner({ env, threads: 1, registryModule: REGISTRY });
afterAll(() => runner.close());

const parse = (name: string) => runner.parse({ bytes: Buffer.from(`hello from ${name}`), name, mimeType: 'text/plain', depth: 0 });
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe('ThreadParseRunner', () => {
  it('returns the document with Buffers for children and artifacts', async () => {
    const out = await parse('ok.txt');
    expect(out.resolution).toEqual({ parserId: 'misbehaving', parserVersion: 1, mimeType: 'text/plain', reason: 'test' });
    expect(out.doc.blocks[0]?.text).toBe('hello from ok.txt');
    expect(Buffer.isBuffer(out.doc.children?.[0]?.bytes)).toBe(true);
    expect(out.doc.children?.[0]?.bytes.toString()).toBe('child bytes');
    expect(Buffer.isBuffer(out.doc.artifacts?.[0]?.bytes)).toBe(true);
  });

  it('moves a buffer that owns its memory into the thread instead of copying it', async () => {
    const bytes = Buffer.alloc(256 * 1024, 'a');
    const out = await runner.parse({ bytes, name: 'big.txt', mimeType: 'text/plain', depth: 0 });
    expect(out.doc.blocks[0]?.text.length).toBe(256 * 1024);
    expect(bytes.buffer.byteLength).toBe(0); // detached: it lives in the parser thread now
  });

  it('keeps a parser error code across the thread boundary', async () => {
    const err = await failure(parse('bad.txt'));
    expect(isAppError(err, 'parser.corrupt')).toBe(true);
    expect((err as Error).message).toBe('bad.txt is corrupt');
  });

  it('stops a parser that hangs, fails only that file, and goes on', async () => {
    // The error says the runner's 3 s limit stopped it (not a wall-clock reading of this machine);
    // a runner that never stops it runs into the test's time limit.
    const err = await failure(parse('hang.txt'));
    expect(isAppError(err, 'parser.timeout')).toBe(true);
    expect((err as Error).message).toMatch(/longer than 3 s/);
    expect((await parse('after-hang.txt')).doc.blocks[0]?.text).toBe('hello from after-hang.txt');
  });

  it('stops a parser that exhausts its heap limit with parser.out_of_memory, and goes on', async () => {
    // Its own runner, with a deadline far off: on a loaded machine filling the heap can take longer
    // than the shared runner's 3 s, and then the timeout would stop the parser before the heap limit.
    const roomy = new ThreadParseRunner({ env: { ...env, timeoutMs: 110_000 }, threads: 1, registryModule: REGISTRY });
    const run = (name: string) => roomy.parse({ bytes: Buffer.from(`hello from ${name}`), name, mimeType: 'text/plain', depth: 0 });
    try {
      const err = await failure(run('oom.txt'));
      expect(isAppError(err, 'parser.out_of_memory'), String(err)).toBe(true);
      expect((await run('after-oom.txt')).doc.blocks.length).toBe(1);
    } finally {
      await roomy.close();
    }
  }, 120_000);

  it('survives a parser that kills its thread', async () => {
    const err = await failure(parse('crash.txt'));
    expect(isAppError(err, 'parser.failed')).toBe(true);
    expect((err as Error).message).toMatch(/crashed/);
    expect((await parse('after-crash.txt')).doc.blocks.length).toBe(1);
  });
});
