import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../errors.js';
import { checkEpochChain, epochLink, generateX25519, newVaultKey, unwrapEpochKey, wrapEpochKey } from './envelopes.js';
import { deviceFingerprint, normalizeFingerprint, vaultFingerprint } from './fingerprints.js';
import { compareVersions, HybridClock } from './hlc.js';
import { openRecord, sealRecord, type SyncRecord } from './records.js';
import { checkRecoveryPhrase, newRecoveryPhrase, recoveryKeyPair } from './recovery.js';

const record: SyncRecord = { v: 1, key: 'moment:Tea', kind: 'moment', op: 'put', hlc: '1765152000000.000000', device: randomUUID(), base: '', data: { name: 'Tea' } };

describe('e2e crypto (decision 0018)', () => {
  it('envelopes open only for their recipient, epoch and vault', () => {
    const dev = generateX25519();
    const other = generateX25519();
    const ctx = { tenantId: 't_a', recipient: randomUUID(), epoch: 3 };
    const payload = { key: newVaultKey(), link: new Uint8Array(32).fill(7), recoveryPublicKey: generateX25519().publicKey };
    const wrapped = wrapEpochKey(ctx, dev.publicKey, payload);
    expect(Buffer.from(unwrapEpochKey(ctx, dev.privateKey, wrapped).key).equals(Buffer.from(payload.key))).toBe(true);
    for (const bad of [{ ...ctx, epoch: 4 }, { ...ctx, recipient: 'recovery' }, { ...ctx, tenantId: 't_b' }]) {
      expect(() => unwrapEpochKey(bad, dev.privateKey, wrapped)).toThrow(/does not open/);
    }
    expect(() => unwrapEpochKey(ctx, other.privateKey, wrapped)).toThrow(/does not open/);
    const flipped = Uint8Array.from(wrapped);
    flipped[100] = (flipped[100] as number) ^ 1;
    expect(() => unwrapEpochKey(ctx, dev.privateKey, flipped)).toThrow(/does not open/);
  });

  it('each epoch key is linked from the one before; a key made without the previous one does not link', () => {
    const keys = [newVaultKey(), newVaultKey(), newVaultKey()];
    const chain = keys.map((key, epoch) => ({ epoch, key, link: epochLink('t_a', epoch, key, epoch === 0 ? null : (keys[epoch - 1] as Uint8Array)) }));
    expect(checkEpochChain('t_a', chain)).toBe(true);
    const forged = [...chain.slice(0, 2), { epoch: 2, key: newVaultKey(), link: epochLink('t_a', 2, newVaultKey(), newVaultKey()) }];
    expect(checkEpochChain('t_a', forged)).toBe(false);
    expect(checkEpochChain('t_b', chain)).toBe(false);
  });

  it('fingerprints: 80 bits in four groups, typed loosely, different keys and vaults differ', () => {
    const a = generateX25519().publicKey;
    const fp = deviceFingerprint(a);
    expect(fp).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(deviceFingerprint(a)).toBe(fp);
    expect(deviceFingerprint(generateX25519().publicKey)).not.toBe(fp);
    expect(normalizeFingerprint(fp.toLowerCase().replace(/-/g, ' '))).toBe(fp);
    expect(normalizeFingerprint('ABCD-EFGH')).toBeNull();
    const k = newVaultKey();
    expect(vaultFingerprint('t_a', k)).not.toBe(vaultFingerprint('t_b', k));
  });

  it('the recovery key follows from the phrase and the vault; a phrase with a wrong word is refused', () => {
    const phrase = newRecoveryPhrase();
    expect(phrase.split(' ')).toHaveLength(24);
    expect(recoveryKeyPair(phrase, 't_a')).toEqual(recoveryKeyPair(`  ${phrase.toUpperCase()} `, 't_a'));
    expect(recoveryKeyPair(phrase, 't_a').publicKey).not.toBe(recoveryKeyPair(phrase, 't_b').publicKey);
    const words = phrase.split(' ');
    // A fixed phrase, not the random one: a 24-word phrase has an 8-bit checksum, so a random change
    // passes it once in 256 tries. All-zero entropy ends in "art"; ending it in "abandon" fails.
    const zero = `${'abandon '.repeat(23)}art`;
    expect(checkRecoveryPhrase(zero)).toBe(zero);
    const err = (() => { try { checkRecoveryPhrase(`${'abandon '.repeat(23)}abandon`); return null; } catch (e) { return e; } })();
    expect(isAppError(err, 'validation_failed')).toBe(true);
    expect(() => checkRecoveryPhrase('abandon '.repeat(23))).toThrow(/24 words/);
    expect(() => checkRecoveryPhrase(`${words.slice(0, 23).join(' ')} notaword`)).toThrow(/word 24/);
  });

  it('records open only under their id, epoch and vault; padding hides short lengths', () => {
    const key = newVaultKey();
    const ctx = { tenantId: 't_a', recordId: randomUUID(), epoch: 0 };
    const body = sealRecord(key, ctx, record);
    expect((body.length - 1 - 24 - 16) % 256).toBe(0);
    expect(sealRecord(key, ctx, { ...record, key: 'moment:a much longer name for tea' }).length).toBe(body.length);
    expect(openRecord(key, ctx, body)).toEqual(record);
    expect(openRecord(key, { ...ctx, recordId: randomUUID() }, body)).toBeNull();
    expect(openRecord(key, { ...ctx, epoch: 1 }, body)).toBeNull();
    expect(openRecord(key, { ...ctx, tenantId: 't_b' }, body)).toBeNull();
    expect(openRecord(newVaultKey(), ctx, body)).toBeNull();
    const flipped = Uint8Array.from(body);
    flipped[30] = (flipped[30] as number) ^ 1;
    expect(openRecord(key, ctx, flipped)).toBeNull();
  });

  it('the hybrid clock moves forward and past what it receives; ties break by device', () => {
    let now = 1000;
    const clock = new HybridClock('', () => now);
    const a = clock.tick();
    const b = clock.tick();
    expect(b > a).toBe(true);
    clock.receive('0000000005000.000003');
    expect(clock.tick()).toBe('0000000005000.000004');
    now = 6000;
    expect(clock.tick()).toBe('0000000006000.000000');
    expect(compareVersions({ hlc: a, device: 'b' }, { hlc: a, device: 'a' })).toBeGreaterThan(0);
    expect(compareVersions({ hlc: a, device: 'z' }, { hlc: b, device: 'a' })).toBeLessThan(0);
  });
});
