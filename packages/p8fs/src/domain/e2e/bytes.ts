import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';

// Byte helpers shared by the end-to-end crypto (decision 0018). Pure JS (noble), so the same code can
// run in a browser or a phone app later and produce the same bytes.

/** base64url without padding. */
export const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

/** Bytes of a base64url string; throws on anything else (callers turn that into their own error). */
export function fromB64u(s: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(s)) throw new Error('not base64url');
  return new Uint8Array(Buffer.from(s, 'base64url'));
}

/** UTF-8 bytes of text. */
export const utf8 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'utf8'));

/** Concatenation of byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * A context label: the purpose and its parts joined by NUL. Parts are ids and numbers that never
 * contain NUL, so two different contexts never produce the same label.
 */
export const label = (purpose: string, ...parts: Array<string | number>): Uint8Array => utf8([purpose, ...parts.map(String)].join('\0'));

/** HKDF-SHA256 of ikm for one purpose: a subkey that means nothing outside that purpose. */
export const derive = (ikm: Uint8Array, info: Uint8Array, length = 32, salt?: Uint8Array): Uint8Array => hkdf(sha256, ikm, salt, info, length);

/** SHA-256. */
export const hash = (b: Uint8Array): Uint8Array => sha256(b);

/** Constant-time equality of two byte strings. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= (a[i] as number) ^ (b[i] as number);
  return d === 0;
}
