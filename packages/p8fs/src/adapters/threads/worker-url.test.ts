import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { resolveWorkerEntry, spawnWorker } from './worker-url.js';

describe('worker-url', () => {
  let dir: string;
  let here: URL;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p8fs-worker-url-'));
    // Like packages/p8fs: an ESM package, so tsx loads the .ts worker as a module.
    await writeFile(join(dir, 'package.json'), '{"type":"module"}');
    here = pathToFileURL(join(dir, 'caller.js'));
    await writeFile(join(dir, 'both.js'), '');
    await writeFile(join(dir, 'both.ts'), '');
    await writeFile(join(dir, 'source.ts'), "import { parentPort } from 'node:worker_threads';\nconst n: number = 41;\nparentPort?.postMessage(n + 1);\n");
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('prefers the compiled .js sibling, falls back to .ts, and fails clearly otherwise', () => {
    expect(resolveWorkerEntry(here, 'both')).toMatchObject({ kind: 'js', url: new URL('./both.js', here) });
    expect(resolveWorkerEntry(here, 'source')).toMatchObject({ kind: 'ts', url: new URL('./source.ts', here) });
    expect(() => resolveWorkerEntry(here, 'missing')).toThrowError(/missing\.js or missing\.ts not found/);
    try {
      resolveWorkerEntry(here, 'missing');
    } catch (err) {
      expect(isAppError(err, 'internal')).toBe(true);
    }
  });

  it('runs a TypeScript worker script', async () => {
    const worker = spawnWorker(here, 'source');
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    expect(message).toBe(42);
    await worker.terminate();
  });
});
