import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { localKekId, LocalKeyWrapper } from './local-key-wrapper.js';
import { loadOrCreateMasterKeyFile, masterKeyPath, parseMasterKey, readKeyFile } from './master-key.js';

const ctx = { scope: 't1', keyId: '0b9a3c1e-1111-4222-8333-444455556666' };

async function code(p: Promise<unknown>): Promise<string> {
  return p.then(() => 'ok', (err) => (isAppError(err) ? err.code : String(err)));
}

describe('LocalKeyWrapper', () => {
  it('wraps and unwraps a data key; the wrap is bound to its KEK, scope and key id', async () => {
    const w = new LocalKeyWrapper(randomBytes(32));
    const dk = randomBytes(32);
    const wrapped = await w.wrap(dk, ctx);
    expect(Buffer.from(await w.unwrap(wrapped, w.kekId, ctx)).equals(dk)).toBe(true);
    expect(await code(w.unwrap(wrapped, w.kekId, { ...ctx, scope: 't2' }))).toBe('crypto.key_unavailable');
    expect(await code(w.unwrap(wrapped, w.kekId, { ...ctx, keyId: '0b9a3c1e-1111-4222-8333-444455556667' }))).toBe('crypto.key_unavailable');
    const bad = Buffer.from(wrapped);
    bad[30] = (bad[30] as number) ^ 1;
    expect(await code(w.unwrap(bad, w.kekId, ctx))).toBe('crypto.key_unavailable');
  });

  it('names a wrong master key as such, and unwraps with a previous key during a rotation', async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const old = new LocalKeyWrapper(oldKey);
    const wrapped = await old.wrap(randomBytes(32), ctx);
    const other = new LocalKeyWrapper(newKey);
    await expect(other.unwrap(wrapped, old.kekId, ctx)).rejects.toThrow(/wrapped under master key local:[0-9a-f]{16}, which this process does not have/);
    const both = new LocalKeyWrapper(newKey, [oldKey]);
    expect(both.kekId).toBe(localKekId(newKey));
    expect(both.kekIds).toEqual([localKekId(newKey), localKekId(oldKey)]);
    expect(await code(both.unwrap(wrapped, old.kekId, ctx))).toBe('ok');
  });
});

describe('master key file', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('is created on first run: 32 random bytes in base64, mode 0600, in a 0700 dir; later runs read the same key', () => {
    const parent = mkdtempSync(join(tmpdir(), 'p8fs-mk-'));
    dirs.push(parent);
    const dataDir = join(parent, 'vault');
    const first = loadOrCreateMasterKeyFile(dataDir);
    expect(first.created).toBe(true);
    expect(statSync(masterKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(masterKeyPath(dataDir), 'utf8').trim(), 'base64').length).toBe(32);
    const again = loadOrCreateMasterKeyFile(dataDir);
    expect(again.created).toBe(false);
    expect(Buffer.from(again.key).equals(Buffer.from(first.key))).toBe(true);
  });

  it('a key file left readable by others is made private again when read; a malformed one is refused', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'p8fs-mk-'));
    dirs.push(dataDir);
    writeFileSync(masterKeyPath(dataDir), `${randomBytes(32).toString('base64')}\n`, { mode: 0o644 });
    readKeyFile(masterKeyPath(dataDir));
    expect(statSync(masterKeyPath(dataDir)).mode & 0o777).toBe(0o600);
    writeFileSync(masterKeyPath(dataDir), 'too short\n');
    expect(() => readKeyFile(masterKeyPath(dataDir))).toThrow(/32 random bytes in base64/);
    expect(() => parseMasterKey(randomBytes(16).toString('base64'), 'P8FS_MASTER_KEY')).toThrow(/P8FS_MASTER_KEY/);
    expect(parseMasterKey(randomBytes(32).toString('base64url'), 'x').length).toBe(32);
  });
});
