import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { AppError } from '../errors.js';
import { b64u, concat, derive, fromB64u, label, sameBytes } from './bytes.js';

// Vault keys and how they travel (decision 0018). Each key epoch has a random 32-byte vault key. It
// reaches a device (or the recovery key) as an envelope: ephemeral-static X25519, HKDF-SHA256, then
// XChaCha20-Poly1305 with the tenant, the recipient and the epoch as associated data, so the server
// cannot move an envelope to another recipient, epoch or vault.
//
//   wrapped  = 0x01 || ephemeral public key (32) || nonce (24) || ciphertext || tag (16)
//   kek      = HKDF-SHA256(ikm = X25519(eph, recipient), salt = eph pub || recipient pub, info = "p8fs-e2e-envelope-v1")
//   payload  = 0x01 || vault key (32) || link (32) || recovery public key (32)
//   link     = zeros for epoch 0; HMAC-SHA256(previous epoch's key, "p8fs-e2e-epoch-link-v1" \0 tenant \0 epoch || key)
//
// Anyone who knows a public key can make an envelope for it, the server included. The link makes a
// new epoch's key provable by the previous one, so a device accepts a rotation only from a holder of
// the key it already has; the first key a new device gets is checked by the vault fingerprint.

const ENVELOPE = 'p8fs-e2e-envelope-v1';
const LINK = 'p8fs-e2e-epoch-link-v1';
const VERSION = 1;

/** An X25519 key pair, base64url. */
export interface X25519KeyPair {
  publicKey: string;
  privateKey: string;
}

/** A fresh X25519 key pair. */
export function generateX25519(): X25519KeyPair {
  const secret = x25519.utils.randomSecretKey();
  return { publicKey: b64u(x25519.getPublicKey(secret)), privateKey: b64u(secret) };
}

/** The public key of an X25519 private key. */
export const x25519PublicOf = (privateKey: string): string => b64u(x25519.getPublicKey(fromB64u(privateKey)));

/** What an envelope carries: one epoch's vault key, its link to the previous epoch, the recovery public key. */
export interface EpochPayload {
  key: Uint8Array;
  link: Uint8Array;
  recoveryPublicKey: string;
}

/** Where an envelope belongs: bound into its associated data. */
export interface EnvelopeContext {
  tenantId: string;
  /** A device id or 'recovery'. */
  recipient: string;
  epoch: number;
}

/** Seal an epoch's payload to a recipient's X25519 public key. */
export function wrapEpochKey(ctx: EnvelopeContext, recipientPublicKey: string, payload: EpochPayload): Uint8Array {
  const recipient = fromB64u(recipientPublicKey);
  const eph = x25519.utils.randomSecretKey();
  const ephPub = x25519.getPublicKey(eph);
  const kek = derive(x25519.getSharedSecret(eph, recipient), label(ENVELOPE), 32, concat(ephPub, recipient));
  const nonce = new Uint8Array(randomBytes(24));
  const plain = concat(Uint8Array.of(VERSION), payload.key, payload.link, fromB64u(payload.recoveryPublicKey));
  const sealed = xchacha20poly1305(kek, nonce, aad(ctx)).encrypt(plain);
  return concat(Uint8Array.of(VERSION), ephPub, nonce, sealed);
}

/** Open an envelope with the recipient's private key; e2e.no_keys when it does not open (not ours, altered, moved). */
export function unwrapEpochKey(ctx: EnvelopeContext, privateKey: string, wrapped: Uint8Array): EpochPayload {
  const refused = () => new AppError('e2e.no_keys', `the key envelope of epoch ${ctx.epoch} for ${ctx.recipient} does not open with this key`);
  if (wrapped.length !== 1 + 32 + 24 + 97 + 16 || wrapped[0] !== VERSION) throw refused();
  const secret = fromB64u(privateKey);
  const ephPub = wrapped.subarray(1, 33);
  let plain: Uint8Array;
  try {
    const kek = derive(x25519.getSharedSecret(secret, ephPub), label(ENVELOPE), 32, concat(ephPub, x25519.getPublicKey(secret)));
    plain = xchacha20poly1305(kek, wrapped.subarray(33, 57), aad(ctx)).decrypt(wrapped.subarray(57));
  } catch {
    throw refused();
  }
  if (plain[0] !== VERSION) throw refused();
  return { key: plain.slice(1, 33), link: plain.slice(33, 65), recoveryPublicKey: b64u(plain.subarray(65, 97)) };
}

/** The link that proves epoch `epoch`'s key came from a holder of the previous epoch's key. */
export function epochLink(tenantId: string, epoch: number, key: Uint8Array, previousKey: Uint8Array | null): Uint8Array {
  if (epoch === 0 || !previousKey) return new Uint8Array(32);
  return hmac(sha256, previousKey, concat(label(LINK, tenantId, epoch), key));
}

/** Whether a chain of epoch keys (0..n in order) links up: each key vouched for by the one before. */
export function checkEpochChain(tenantId: string, chain: ReadonlyArray<{ epoch: number; key: Uint8Array; link: Uint8Array }>): boolean {
  return chain.every((e, i) => {
    if (e.epoch !== i) return false;
    const prev = i === 0 ? null : (chain[i - 1] as { key: Uint8Array }).key;
    return sameBytes(e.link, epochLink(tenantId, e.epoch, e.key, prev));
  });
}

/** A new random vault key. */
export const newVaultKey = (): Uint8Array => new Uint8Array(randomBytes(32));

const aad = (ctx: EnvelopeContext): Uint8Array => label(ENVELOPE, ctx.tenantId, ctx.recipient, ctx.epoch);
