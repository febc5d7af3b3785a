import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { describe, expect, it } from 'vitest';
import { isAppError } from '../../../domain/errors.js';
import { XChaChaPrefix } from './xchacha.js';

describe('XChaChaPrefix (HChaCha20 subkey + OpenSSL ChaCha20-Poly1305)', () => {
  it('is XChaCha20-Poly1305 byte for byte: noble opens what it seals and seals what it opens', () => {
    for (const size of [0, 1, 15, 16, 63, 64, 65, 1000, 65_536, 100_003]) {
      const key = randomBytes(32);
      const nonce = randomBytes(24);
      const aad = randomBytes(size % 50);
      const plain = randomBytes(size);
      const ours = new XChaChaPrefix(key, nonce.subarray(0, 16));
      const sealed = ours.seal(nonce.subarray(16), plain, aad);
      const theirs = xchacha20poly1305(key, nonce, aad).encrypt(plain);
      expect(Buffer.from(theirs).equals(sealed)).toBe(true);
      expect(ours.open(nonce.subarray(16), Buffer.from(theirs), aad).equals(plain)).toBe(true);
    }
  });

  it('refuses a flipped bit anywhere, another nonce, other associated data: blob.corrupt, no bytes', () => {
    const key = randomBytes(32);
    const nonce = randomBytes(24);
    const c = new XChaChaPrefix(key, nonce.subarray(0, 16));
    const sealed = c.seal(nonce.subarray(16), Buffer.from('canary text of a segment'), Buffer.from('aad'));
    const fails = (fn: () => unknown) => {
      try {
        fn();
        return false;
      } catch (err) {
        return isAppError(err, 'blob.corrupt');
      }
    };
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] = (bad[i] as number) ^ 0x01;
      expect(fails(() => c.open(nonce.subarray(16), bad, Buffer.from('aad')))).toBe(true);
    }
    const otherTail = Buffer.from(nonce.subarray(16));
    otherTail[7] = (otherTail[7] as number) ^ 1;
    expect(fails(() => c.open(otherTail, sealed, Buffer.from('aad')))).toBe(true);
    expect(fails(() => c.open(nonce.subarray(16), sealed, Buffer.from('aaD')))).toBe(true);
    expect(fails(() => new XChaChaPrefix(randomBytes(32), nonce.subarray(0, 16)).open(nonce.subarray(16), sealed, Buffer.from('aad')))).toBe(true);
  });
});
