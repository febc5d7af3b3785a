import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from 'node:crypto';

// Ed25519 keys travel as raw bytes in base64url without padding: 32-byte public keys, 32-byte
// private seeds, 64-byte signatures. Devices prove who they are by signing the canonical messages
// below; each message names its purpose and version, so a signature made for one purpose can never
// be replayed as another.

const B64U = /^[A-Za-z0-9_-]*$/;

/** Bytes of a strict base64url string (no padding), or null for anything else. */
export function fromBase64Url(s: string): Buffer | null {
  if (typeof s !== 'string' || !B64U.test(s) || s.length % 4 === 1) return null;
  const bytes = Buffer.from(s, 'base64url');
  // Node ignores stray trailing bits; the round trip refuses a non-canonical encoding.
  return bytes.toString('base64url') === s ? bytes : null;
}

/** The public key object of a raw 32-byte key, or null when it is not one. */
function publicKeyObject(publicKeyB64u: string): KeyObject | null {
  const raw = fromBase64Url(publicKeyB64u);
  if (raw?.length !== 32) return null;
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: publicKeyB64u }, format: 'jwk' });
  } catch {
    return null;
  }
}

/** True when the string is a raw 32-byte Ed25519 public key in base64url. */
export function isEd25519PublicKey(publicKeyB64u: string): boolean {
  return publicKeyObject(publicKeyB64u) !== null;
}

/** Whether signature is a valid Ed25519 signature of message by the key. Never throws. */
export function verifyEd25519(publicKeyB64u: string, message: string | Uint8Array, signatureB64u: string): boolean {
  const key = publicKeyObject(publicKeyB64u);
  const sig = fromBase64Url(signatureB64u);
  if (!key || !sig || sig.length !== 64) return false;
  try {
    return verify(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key, sig);
  } catch {
    return false;
  }
}

/** A key pair as the CLI stores it: both halves raw, base64url. */
export interface Ed25519KeyPair {
  publicKey: string;
  /** The 32-byte private seed. Keep it secret. */
  privateKey: string;
}

/** A fresh key pair. */
export function generateEd25519KeyPair(): Ed25519KeyPair {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  if (!jwk.x || !jwk.d) throw new Error('Ed25519 key export gave no raw key');
  return { publicKey: jwk.x, privateKey: jwk.d };
}

// PKCS#8 wrapping of a raw Ed25519 seed (RFC 8410): this fixed prefix, then the 32 bytes.
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/** The base64url signature of message with the private seed. Throws on a malformed key. */
export function signEd25519(privateKeyB64u: string, message: string | Uint8Array): string {
  const seed = fromBase64Url(privateKeyB64u);
  if (seed?.length !== 32) throw new Error('not a raw 32-byte Ed25519 private key');
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  return sign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, key).toString('base64url');
}

/** The public half of a private seed. */
export function publicKeyOf(privateKeyB64u: string): string {
  const seed = fromBase64Url(privateKeyB64u);
  if (seed?.length !== 32) throw new Error('not a raw 32-byte Ed25519 private key');
  const jwk = createPublicKey(createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' })).export({ format: 'jwk' });
  if (!jwk.x) throw new Error('Ed25519 key export gave no raw key');
  return jwk.x;
}

/**
 * A user code as typed or scanned, in its canonical form: upper case, letters and digits only, and the dash of
 * `XXXX-XXXX` where the code has eight characters.
 */
export function normalizeUserCode(userCode: string): string {
  const bare = userCode.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare;
}

/** What a new device signs during e-mail registration, over the server's challenge. */
export function registrationMessage(challenge: string): string {
  return `p8fs-register-v1:${challenge}`;
}

/**
 * What an existing device signs to approve or deny a pending request. The decision is part of the
 * message, so a captured denial cannot be turned into an approval; the nonce makes each signature
 * single-use.
 */
export function approvalMessage(userCode: string, nonce: string, approve: boolean): string {
  return `p8fs-approval-v1:${approve ? 'approve' : 'deny'}:${normalizeUserCode(userCode)}:${nonce}`;
}
