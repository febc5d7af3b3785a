import { createHash, randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { AppError } from '../../domain/errors.js';
import type { KeyWrapper, WrapContext } from '../../ports/key-wrapper.js';

const WRAP_VERSION = 1;
const NONCE_BYTES = 24;

/** The id of a local master key: a fingerprint, so a wrong key is named as such, never tried blindly. */
export function localKekId(masterKey: Uint8Array): string {
  return `local:${createHash('sha256').update('p8fs-master-key-id\0').update(masterKey).digest('hex').slice(0, 16)}`;
}

/**
 * KeyWrapper over master keys held by this process (<dataDir>/master.key or P8FS_MASTER_KEY):
 * XChaCha20-Poly1305 with a random nonce; the associated data binds the KEK id, the scope and the
 * data key's id, so a wrapped key copied onto another row (another tenant) does not unwrap.
 * Stored form: version byte || 24-byte nonce || ciphertext || tag (73 bytes for a 32-byte key).
 */
export class LocalKeyWrapper implements KeyWrapper {
  readonly kekId: string;
  readonly kekIds: readonly string[];
  private readonly keys: Map<string, Uint8Array>;

  /** `current` wraps; `previous` keys only unwrap (a master key rotation in progress). */
  constructor(current: Uint8Array, previous: readonly Uint8Array[] = []) {
    for (const k of [current, ...previous]) if (k.length !== 32) throw new Error('a master key is 32 bytes');
    this.keys = new Map([current, ...previous].map((k) => [localKekId(k), k]));
    this.kekId = localKekId(current);
    this.kekIds = [...this.keys.keys()];
  }

  async wrap(dataKey: Uint8Array, context: WrapContext): Promise<Uint8Array> {
    const nonce = randomBytes(NONCE_BYTES);
    const kek = this.keys.get(this.kekId) as Uint8Array;
    const sealed = xchacha20poly1305(kek, nonce, aad(this.kekId, context)).encrypt(dataKey);
    return Buffer.concat([Buffer.from([WRAP_VERSION]), nonce, sealed]);
  }

  async unwrap(wrapped: Uint8Array, kekId: string, context: WrapContext): Promise<Uint8Array> {
    const kek = this.keys.get(kekId);
    if (!kek) throw new AppError('crypto.key_unavailable', `data key ${context.keyId} is wrapped under master key ${kekId}, which this process does not have (it has ${this.kekIds.join(', ')})`);
    if (wrapped[0] !== WRAP_VERSION || wrapped.length < 1 + NONCE_BYTES + 16) throw new AppError('crypto.key_unavailable', `data key ${context.keyId}: unknown wrap format`);
    try {
      return xchacha20poly1305(kek, wrapped.subarray(1, 1 + NONCE_BYTES), aad(kekId, context)).decrypt(wrapped.subarray(1 + NONCE_BYTES));
    } catch {
      throw new AppError('crypto.key_unavailable', `data key ${context.keyId} of ${context.scope} does not unwrap under master key ${kekId} (altered or moved)`);
    }
  }
}

function aad(kekId: string, c: WrapContext): Uint8Array {
  return new Uint8Array(Buffer.from(`p8fs-data-key/v1\0${kekId}\0${c.scope}\0${c.keyId}`, 'utf8'));
}
