import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { ProcessToolRunner } from './process-tool-runner.js';

const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

/** Poll check until it returns a value, or fail after the deadline. */
async function until<T>(check: () => T | null | false, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** No such process, or only its zombie is left (killed, not yet reaped by whoever adopted it). */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z') ?? false;
  } catch {
    return true;
  }
}

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

  it('kills a program that runs too long', async () => {
    // A run that is not stopped ends after 30 s with exit code 0, not with this error.
    const err = await failure(tools.run('sh', ['-c', 'sleep 30'], { timeoutMs: 300 }));
    expect(isAppError(err, 'parser.timeout')).toBe(true);
    expect((err as Error).message).toMatch(/did not finish within/);
  });

  it('a stopped run takes its whole process group down, children included', async () => {
    // Each process writes its pid once it runs; the test stops the run only when all three do, then
    // checks each pid is gone (instead of reading the clock). The background ones keep stdout open,
    // so a run whose children survived would not end before the test times out.
    const dir = mkdtempSync(join(tmpdir(), 'p8fs-tools-'));
    const pidFile = join(dir, 'pids');
    const ac = new AbortController();
    try {
      const script = `sleep 300 & echo $! >> ${pidFile}; sh -c 'echo $$ >> ${pidFile}; exec sleep 300' & echo $$ >> ${pidFile}; wait`;
      const run = failure(tools.run('sh', ['-c', script], { timeoutMs: 120_000, signal: ac.signal }));
      const pids = await until(() => {
        const got = existsSync(pidFile) ? readFileSync(pidFile, 'utf8').trim().split('\n').map(Number) : [];
        return got.length === 3 ? got : null;
      }, 'the shell and both children to run');
      ac.abort();
      const err = await run;
      expect(isAppError(err, 'parser.timeout')).toBe(true);
      expect((err as Error).message).toMatch(/was stopped/);
      await until(() => pids.every(gone), `processes ${pids.join(', ')} to be gone`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
