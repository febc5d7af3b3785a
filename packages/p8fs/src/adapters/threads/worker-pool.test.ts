import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../domain/errors.js';
import { WorkerPool } from './worker-pool.js';
import { spawnWorker } from './worker-url.js';

// A real worker thread, written as a TypeScript file in a temp folder: it also proves that
// spawnWorker runs .ts workers (tsx registered inside the thread) and that serveTasks works.
const WORKER = (protocolUrl: string) => `
import { threadId, workerData } from 'node:worker_threads';
import { serveTasks } from ${JSON.stringify(protocolUrl)};

type Req = { op: 'echo' | 'fail' | 'exit' | 'throw' | 'slow'; n: number };
serveTasks(
  async (): Promise<number> => {
    if (workerData?.failInit) throw new Error('weights not found');
    return 7;
  },
  async (state: number, req: Req) => {
    if (req.op === 'fail') throw new Error('bad input');
    if (req.op === 'exit') process.exit(3);
    if (req.op === 'throw') setImmediate(() => { throw new Error('segfault-ish'); });
    if (req.op === 'slow' || req.op === 'throw') await new Promise((r) => setTimeout(r, req.n));
    const out = new Float32Array([req.n * state, threadId]);
    return { res: out, transfer: [out.buffer] };
  },
);
`;

type Req = { op: 'echo' | 'fail' | 'exit' | 'throw' | 'slow'; n: number };

describe('WorkerPool', () => {
  let dir: string;
  const pools: WorkerPool<Req, Float32Array>[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p8fs-pool-'));
    // Like packages/p8fs: an ESM package, so tsx loads the .ts worker as a module.
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(join(dir, 'echo.worker.ts'), WORKER(new URL('./worker-protocol.ts', import.meta.url).href));
  });
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const pool = (size: number, workerData?: unknown) => {
    const p = new WorkerPool<Req, Float32Array>({
      name: 'echo',
      size,
      errorCode: 'embedder.unavailable',
      spawn: () => spawnWorker(pathToFileURL(join(dir, 'x.ts')), 'echo.worker', { workerData }),
    });
    pools.push(p);
    return p;
  };
  const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as AppError);

  it('runs tasks on every worker and moves Float32Array results back', async () => {
    const p = pool(2);
    await p.start();
    expect(p.liveWorkers).toBe(2);
    const results = await Promise.all([p.run({ op: 'slow', n: 200 }), p.run({ op: 'slow', n: 200 }), p.run({ op: 'echo', n: 3 })]);
    expect(results[2]).toBeInstanceOf(Float32Array);
    expect(results[2]?.[0]).toBe(21);
    expect(new Set(results.map((r) => r[1])).size).toBe(2);
  });

  it('rejects a failed task with the worker message and keeps the worker', async () => {
    const p = pool(1);
    const err = await fail(p.run({ op: 'fail', n: 0 }));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toBe('echo: bad input');
    expect((await p.run({ op: 'echo', n: 1 }))[0]).toBe(7);
    const uncloneable = { op: 'echo', n: 1, callback: () => 1 } as Req;
    expect((await fail(p.run(uncloneable)))?.message).toMatch(/^echo: cannot send task/);
    expect((await p.run({ op: 'echo', n: 2 }))[0]).toBe(14);
    expect(p.liveWorkers).toBe(1);
  });

  it('rejects the in-flight task when a worker exits, then respawns on the next call', async () => {
    const p = pool(1);
    const first = (await p.run({ op: 'echo', n: 1 }))[1];
    const err = await fail(p.run({ op: 'exit', n: 0 }));
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toContain('exited with code 3');
    expect(p.liveWorkers).toBe(0);
    const second = (await p.run({ op: 'echo', n: 1 }))[1];
    expect(second).not.toBe(first);
  });

  it('reports an uncaught error in the worker with its message', async () => {
    const err = await fail(pool(1).run({ op: 'throw', n: 500 }));
    expect(err?.message).toMatch(/exited with code 1: segfault-ish/);
  });

  it('fails start() when the worker cannot initialise', async () => {
    const err = await fail(pool(2, { failInit: true }).start());
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect(err?.message).toContain('weights not found');
  });

  it('close() rejects queued work, terminates workers and refuses new work', async () => {
    const p = pool(1);
    // The worker has loaded: the first task goes to it at once (in flight), the second waits in the queue.
    await p.start();
    const busy = fail(p.run({ op: 'slow', n: 5_000 }));
    const queued = fail(p.run({ op: 'echo', n: 1 }));
    await p.close();
    expect((await busy)?.message).toBe('echo: pool is closed');
    expect((await queued)?.message).toBe('echo: pool is closed');
    expect(p.liveWorkers).toBe(0);
    expect(isAppError(await fail(p.run({ op: 'echo', n: 1 })), 'embedder.unavailable')).toBe(true);
  });
});
