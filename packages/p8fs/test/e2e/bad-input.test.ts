import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, p8fs, tempDir, vaultEnv } from './cli.js';

describe('p8fs on bad input', () => {
  let dataDir: string;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(() => {
    assertBuilt();
    dataDir = tempDir('bad-data');
    dir = tempDir('bad-files');
    env = vaultEnv(dataDir);
  });

  afterAll(() => cleanup(dataDir, dir));

  it('an empty search query exits 2 with the reason', async () => {
    const r = await p8fs(['search', ''], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('p8fs: invalid search: query: query must not be empty');
    expect(r.stdout).toBe('');
  });

  it('an unknown file id exits 3', async () => {
    const r = await p8fs(['files', 'info', 'not-an-id'], env);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('no file not-an-id');
  }, 120_000);

  it('bad configuration exits 2 and lists every problem', async () => {
    const r = await p8fs(['status'], vaultEnv(dataDir, { P8FS_PORT: 'abc', P8FS_EMBEDDING_PROVIDER: 'nope' }));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/P8FS_PORT \/ --port: .*number/);
    expect(r.stderr).toMatch(/P8FS_EMBEDDING_PROVIDER \/ --embedding-provider: .*"use-lite"\|"openai"\|"transformers"\|"hash"/);
  });

  it('a folder without -r exits 2; a file no parser takes exits 5 and names the reason', async () => {
    const folder = await p8fs(['ingest', dir], env);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toContain('is a folder: add -r');

    writeFileSync(join(dir, 'blob.bin'), Buffer.from([0, 1, 2, 3, 0, 159, 146, 150, 0, 0]));
    const r = await p8fs(['ingest', join(dir, 'blob.bin'), '--wait'], env);
    expect(r.code).toBe(5);
    expect(r.stdout).toContain('1 failed');
    expect(r.stdout).toContain(`${join(dir, 'blob.bin')}: parser.unsupported_type: no parser for blob.bin`);
  }, 120_000);

  it('an unreachable server exits 1 and says which', async () => {
    const r = await p8fs(['status', '--server', 'http://127.0.0.1:9'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach the p8fs server at http://127.0.0.1:9');
  });
});
