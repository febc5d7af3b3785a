import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';

// A small secret (a private JWK, a password) sealed for a database column:
//   p8fs-sealed:v1:<data key id>:<nonce, base64url>:<ciphertext || tag, base64url>
// XChaCha20-Poly1305 under a data key; the associated data is the purpose (e.g.
// `signing_keys:<kid>`) and the key id, so a sealed value copied to another row does not open.

const PREFIX = 'p8fs-sealed:v1:';

/** True for a value sealSecret made; anything else is a legacy plaintext value. */
export const isSealedSecret = (value: string): boolean => value.startsWith(PREFIX);

/** Seal plaintext under a data key for `purpose`. */
export function sealSecret(key: { id: string; key: Uint8Array }, plaintext: Uint8Array, purpose: string): string {
  const nonce = randomBytes(24);
  const ct = xchacha20poly1305(key.key, nonce, aad(purpose, key.id)).encrypt(plaintext);
  return `${PREFIX}${key.id}:${nonce.toString('base64url')}:${Buffer.from(ct).toString('base64url')}`;
}

/** The data key id a sealed value names, or null when it is not one. */
export function sealedKeyId(envelope: string): string | null {
  if (!isSealedSecret(envelope)) return null;
  return envelope.slice(PREFIX.length).split(':')[0] ?? null;
}

/** Open a sealed value with the data key it names; null when it fails to authenticate (altered, moved, other key). */
export function openSecret(key: { id: string; key: Uint8Array }, envelope: string, purpose: string): Uint8Array | null {
  const [id, nonce, ct] = envelope.slice(PREFIX.length).split(':');
  if (!isSealedSecret(envelope) || id !== key.id || !nonce || !ct) return null;
  try {
    return xchacha20poly1305(key.key, Buffer.from(nonce, 'base64url'), aad(purpose, key.id)).decrypt(Buffer.from(ct, 'base64url'));
  } catch {
    return null;
  }
}

const aad = (purpose: string, keyId: string) => new Uint8Array(Buffer.from(`p8fs-secret/v1\0${purpose}\0${keyId}`, 'utf8'));
