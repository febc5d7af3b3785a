import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanPaths } from './scan.js';

describe('scanPaths', () => {
  let root: string;
  let outside: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'p8fs-scan-'));
    outside = mkdtempSync(join(tmpdir(), 'p8fs-outside-'));
    const put = (rel: string, text = 'x') => {
      mkdirSync(join(root, rel, '..'), { recursive: true });
      writeFileSync(join(root, rel), text);
    };
    put('b.md', 'hello');
    put('a/z.txt');
    put('a/deep/y.html');
    put('.hidden.md');
    put('.git/config');
    put('.obsidian/workspace.json');
    put('node_modules/pkg/readme.md');
    put('a/.trash/old.md');
    put('empty.md', '');
    writeFileSync(join(outside, 'secret.md'), 'not yours');
    symlinkSync(join(outside, 'secret.md'), join(root, 'link-out.md'));
    symlinkSync(outside, join(root, 'dir-out'));
    symlinkSync(join(root, 'b.md'), join(root, 'link-in.md'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    rmSync(outside, { recursive: true, force: true });
  });

  it('walks folders in name order, skipping hidden entries, node_modules and symlinks', async () => {
    const files = await scanPaths([root], { recursive: true });
    expect(files.map((f) => f.uri)).toEqual(
      ['a/deep/y.html', 'a/z.txt', 'b.md', 'empty.md'].map((rel) => join(root, rel)),
    );
    expect(files.find((f) => f.name === 'b.md')).toMatchObject({ path: join(root, 'b.md'), size: 5 });
    expect(files.find((f) => f.name === 'empty.md')?.size).toBe(0);
  });

  it('takes a file named explicitly, even a hidden one, and lists each file once', async () => {
    const files = await scanPaths([join(root, '.hidden.md'), root, join(root, 'b.md')], { recursive: true });
    expect(files.map((f) => f.name)).toEqual(['.hidden.md', 'y.html', 'z.txt', 'b.md', 'empty.md']);
  });

  it('refuses a folder without recursive, and a missing path', async () => {
    await expect(scanPaths([root], { recursive: false })).rejects.toMatchObject({ code: 'validation_failed', message: expect.stringContaining('-r') });
    await expect(scanPaths([join(root, 'nope.md')], { recursive: true })).rejects.toMatchObject({ code: 'not_found' });
  });
});
