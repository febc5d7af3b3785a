import { createCipheriv, createDecipheriv } from 'node:crypto';
import { hchacha } from '@noble/ciphers/chacha.js';
import { AppError } from '../../../domain/errors.js';

const TAG_BYTES = 16;
const SIGMA = new Uint8Array(Buffer.from('expand 32-byte k', 'ascii'));

/** Native-endian 32-bit words over a copy of the bytes (noble's hchacha takes word views and normalises byte order itself). */
const words = (b: Uint8Array): Uint32Array => new Uint32Array(new Uint8Array(b).buffer);

/**
 * XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha) for many messages under one 16-byte nonce prefix.
 * XChaCha is HChaCha20(key, nonce[0:16]) as a subkey, then IETF ChaCha20-Poly1305 with the nonce
 * 0x00000000 || nonce[16:24]. The prefix is fixed per blob, so the subkey is derived once (noble's
 * audited hchacha) and every segment runs through OpenSSL's ChaCha20-Poly1305, about ten times
 * faster than pure JS here (measured: ~490 vs ~48 MB/s on 64 KiB segments). The output is byte for
 * byte noble's xchacha20poly1305 (xchacha.test.ts checks), so any XChaCha implementation reads it.
 */
export class XChaChaPrefix {
  private readonly subkey: Buffer;

  constructor(key: Uint8Array, prefix: Uint8Array) {
    if (key.length !== 32 || prefix.length !== 16) throw new Error('XChaCha needs a 32-byte key and a 16-byte nonce prefix');
    const out = new Uint32Array(8);
    hchacha(words(SIGMA), words(key), words(prefix), out);
    this.subkey = Buffer.from(out.buffer);
  }

  /** ciphertext || 16-byte tag of one message whose nonce ends with `tail` (8 bytes). */
  seal(tail: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
    const c = createCipheriv('chacha20-poly1305', this.subkey, iv(tail), { authTagLength: TAG_BYTES });
    c.setAAD(aad, { plaintextLength: plaintext.length });
    return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  }

  /** The plaintext of seal()'s output, or blob.corrupt when anything (bytes, nonce, aad) differs. */
  open(tail: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
    if (sealed.length < TAG_BYTES) throw new AppError('blob.corrupt', 'encrypted segment is shorter than its tag');
    const body = sealed.subarray(0, sealed.length - TAG_BYTES);
    const d = createDecipheriv('chacha20-poly1305', this.subkey, iv(tail), { authTagLength: TAG_BYTES });
    d.setAAD(aad, { plaintextLength: body.length });
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const out = d.update(body);
    try {
      d.final();
    } catch {
      // The plaintext computed so far is dropped: nothing unauthenticated leaves this function.
      out.fill(0);
      throw new AppError('blob.corrupt', 'encrypted segment failed authentication (tampered, truncated or not this blob\'s)');
    }
    return out;
  }
}

function iv(tail: Uint8Array): Buffer {
  if (tail.length !== 8) throw new Error('nonce tail must be 8 bytes');
  const n = Buffer.alloc(12);
  n.set(tail, 4);
  return n;
}

export { TAG_BYTES };
