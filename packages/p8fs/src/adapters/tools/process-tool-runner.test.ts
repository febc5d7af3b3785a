import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { ProcessToolRunner } from './process-tool-runner.js';

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

describe('ProcessToolRunner', () => {
  const tools = new ProcessToolRunner();

  it('runs a program with stdin and returns stdout, stderr and the exit code', async () => {
    const r = await tools.run('sh', ['-c', 'cat; echo oops >&2; exit 3'], { input: Buffer.from('hello') });
    expect(r.stdout.toString()).toBe('hello');
    expect(r.stderr).toBe('oops\n');
    expect(r.exitCode).toBe(3);
  });

  it('names the Debian package to install for a missing program', async () => {
    const none = new ProcessToolRunner('/nonexistent');
    expect(await none.which('ffmpeg')).toBeNull();
    const err = await failure(none.run('ffmpeg', ['-version']));
    expect(isAppError(err, 'parser.tool_missing')).toBe(true);
    expect((err as Error).message).toContain('apt-get install ffmpeg');
  });

  it('kills a program that runs too long, with its children', async () => {
    const started = Date.now();
    const err = await failure(tools.run('sh', ['-c', 'sleep 30 & sleep 30'], { timeoutMs: 300 }));
    expect(isAppError(err, 'parser.timeout')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('stops a program that writes more than the output limit', async () => {
    const err = await failure(tools.run('sh', ['-c', 'yes'], { maxOutputBytes: 1024 * 1024 }));
    expect(isAppError(err, 'parser.limit_exceeded')).toBe(true);
  });

  it('caps the address space with prlimit', async () => {
    const grab = ['-c', 'x = bytearray(300_000_000); print(len(x))'];
    const capped = await tools.run('python3', grab, { memoryMb: 128 });
    expect(capped.exitCode).not.toBe(0);
    expect(capped.stderr).toContain('MemoryError');
    const free = await tools.run('python3', grab);
    expect(free.stdout.toString().trim()).toBe('300000000');
  });
});
