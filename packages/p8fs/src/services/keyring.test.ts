import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../../test/db.js';
import { LocalKeyWrapper } from '../adapters/keys/local-key-wrapper.js';
import type { PgliteDb } from '../adapters/db/pglite.js';
import { isAppError } from '../domain/errors.js';
import { SYSTEM_SCOPE } from '../ports/key-wrapper.js';
import { KeyRing } from './keyring.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as never;

describe('KeyRing', () => {
  let db: PgliteDb;
  beforeEach(async () => {
    db = await createTestDb(['t1', 't2']);
  });
  afterEach(async () => db.close());

  it('creates a scope\'s first data key once, even when several rings ask at the same moment; stores it only wrapped', async () => {
    const master = randomBytes(32);
    const rings = Array.from({ length: 4 }, () => new KeyRing(db, new LocalKeyWrapper(master), silent));
    const keys = await Promise.all(rings.map((r) => r.active('t1')));
    expect(new Set(keys.map((k) => k.id)).size).toBe(1);
    expect(new Set(keys.map((k) => Buffer.from(k.key).toString('hex'))).size).toBe(1);
    const rows = await db.query<{ wrapped: Uint8Array; epoch: number; state: string }>(`SELECT wrapped, epoch, state FROM data_keys WHERE scope = 't1'`);
    expect(rows.map((r) => [r.epoch, r.state])).toEqual([[1, 'active']]);
    expect(Buffer.from(rows[0]?.wrapped as Uint8Array).includes(Buffer.from(keys[0]?.key as Uint8Array))).toBe(false);
    expect((await rings[0]?.active('t2'))?.id).not.toBe(keys[0]?.id);
  });

  it('rotate makes a new epoch active; retired keys still open what they encrypted; a key of another scope is refused', async () => {
    const ring = new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent);
    const first = await ring.active('t1');
    const row = await ring.rotate('t1');
    expect(row.epoch).toBe(2);
    expect((await ring.active('t1')).id).toBe(row.id);
    const fresh = new KeyRing(db, (ring as unknown as { wrapper: LocalKeyWrapper }).wrapper, silent);
    expect(Buffer.from((await fresh.get('t1', first.id)).key).equals(Buffer.from(first.key))).toBe(true);
    await expect(fresh.get('t2', first.id)).rejects.toSatisfy((e) => isAppError(e, 'crypto.key_unavailable'));
  });

  it('verify: a wrong master key stops start-up with a clear error; rewrapAll moves every key to a new master key', async () => {
    const oldMaster = randomBytes(32);
    const ring = new KeyRing(db, new LocalKeyWrapper(oldMaster), silent);
    const t1 = await ring.active('t1');
    await ring.active(SYSTEM_SCOPE);
    await new KeyRing(db, new LocalKeyWrapper(oldMaster), silent).verify();
    await expect(new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent).verify()).rejects.toThrow(/wrong master key: this vault's data keys are wrapped under local:/);

    const newMaster = randomBytes(32);
    const next = new LocalKeyWrapper(newMaster);
    expect(await ring.rewrapAll(next)).toEqual({ rewrapped: 2, total: 2 });
    expect(await ring.rewrapAll(next)).toEqual({ rewrapped: 0, total: 2 });
    await expect(new KeyRing(db, new LocalKeyWrapper(oldMaster), silent).verify()).rejects.toThrow(/wrong master key/);
    const after = new KeyRing(db, new LocalKeyWrapper(newMaster), silent);
    await after.verify();
    expect(Buffer.from((await after.get('t1', t1.id)).key).equals(Buffer.from(t1.key))).toBe(true);
  });

  it('seals secrets under the system key, bound to their purpose; re-seals after a system rotation', async () => {
    const ring = new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent);
    const box = ring.secrets();
    const sealed = await box.seal(Buffer.from('{"d":"private"}'), 'signing_keys:k1');
    expect(box.isSealed(sealed)).toBe(true);
    expect(sealed).not.toContain('private');
    expect(Buffer.from(await box.open(sealed, 'signing_keys:k1')).toString()).toBe('{"d":"private"}');
    await expect(box.open(sealed, 'signing_keys:k2')).rejects.toSatisfy((e) => isAppError(e, 'crypto.key_unavailable'));
    expect(await box.isCurrent(sealed)).toBe(true);
    await ring.rotate(SYSTEM_SCOPE);
    expect(await box.isCurrent(sealed)).toBe(false);
    expect(Buffer.from(await box.open(sealed, 'signing_keys:k1')).toString()).toBe('{"d":"private"}');
  });
});
