import { chmodSync, lstatSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { securePrivateDir } from './data-dir-perms.js';

const mode = (p: string) => lstatSync(p).mode & 0o777;

describe('securePrivateDir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'p8fs-perms-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates a missing data dir (and its parents) 0700 whatever the umask', () => {
    const dir = join(root, 'a', 'b', 'vault');
    const old = process.umask(0o022);
    try {
      expect(securePrivateDir(dir)).toEqual({ entries: 1, repaired: 0 });
    } finally {
      process.umask(old);
    }
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(root, 'a'))).toBe(0o700);
  });

  it('makes directories 0700 and files 0600, once', () => {
    const dir = join(root, 'vault');
    mkdirSync(join(dir, 'db', 'base'), { recursive: true });
    mkdirSync(join(dir, 'blobs', 'ab'), { recursive: true });
    writeFileSync(join(dir, 'db', 'base', '1259'), 'x');
    writeFileSync(join(dir, 'blobs', 'ab', 'abcdef'), 'x');
    writeFileSync(join(dir, 'owner.secret'), 'x');
    for (const p of [dir, join(dir, 'db'), join(dir, 'db', 'base'), join(dir, 'blobs'), join(dir, 'blobs', 'ab')]) chmodSync(p, 0o777);
    chmodSync(join(dir, 'db', 'base', '1259'), 0o666);
    chmodSync(join(dir, 'blobs', 'ab', 'abcdef'), 0o644);
    expect(securePrivateDir(dir)).toEqual({ entries: 8, repaired: 8 });
    for (const d of [dir, join(dir, 'db'), join(dir, 'db', 'base'), join(dir, 'blobs', 'ab')]) expect(mode(d)).toBe(0o700);
    for (const f of [join(dir, 'db', 'base', '1259'), join(dir, 'blobs', 'ab', 'abcdef'), join(dir, 'owner.secret')]) expect(mode(f)).toBe(0o600);
    expect(securePrivateDir(dir)).toEqual({ entries: 8, repaired: 0 });
  });

  it('neither follows nor changes symbolic links inside', () => {
    const dir = join(root, 'vault');
    mkdirSync(dir);
    const outside = join(root, 'shared.txt');
    writeFileSync(outside, 'x');
    chmodSync(outside, 0o644);
    mkdirSync(join(root, 'shared-dir'));
    chmodSync(join(root, 'shared-dir'), 0o755);
    symlinkSync(outside, join(dir, 'link'));
    symlinkSync(join(root, 'shared-dir'), join(dir, 'dir-link'));
    securePrivateDir(dir);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
    expect(statSync(join(root, 'shared-dir')).mode & 0o777).toBe(0o755);
  });
});
