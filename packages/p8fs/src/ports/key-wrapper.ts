import type { SqlRunner } from './db.js';

/**
 * Envelope encryption ports (decision 0017). A key-encryption key (KEK: the master key, or a KMS
 * key later) wraps data keys; data keys encrypt blobs and stored secrets. Only wrapped data keys
 * are ever stored.
 */

/** Which data key a wrapped key is, bound into the wrap so a wrapped key cannot be moved to another row. */
export interface WrapContext {
  /** A tenant id, or SYSTEM_SCOPE for the server's own secrets. */
  scope: string;
  /** The data key's id (uuid). */
  keyId: string;
}

/**
 * Wraps and unwraps data keys under a KEK. Shaped like a KMS (AWS KMS Encrypt/Decrypt with an
 * encryption context, Vault transit encrypt/decrypt with a context): an adapter for one implements
 * this interface and nothing else changes.
 */
export interface KeyWrapper {
  /** The KEK new wraps use (local: a fingerprint of the master key; a KMS: the key's ARN or name). */
  readonly kekId: string;
  /** Every KEK this wrapper can unwrap under: the current one first, then previous ones (rotation). */
  readonly kekIds: readonly string[];
  /** Wrap a data key under the current KEK. */
  wrap(dataKey: Uint8Array, context: WrapContext): Promise<Uint8Array>;
  /** Unwrap a data key wrapped under `kekId`; crypto.key_unavailable when this wrapper lacks that KEK or the wrap fails to authenticate. */
  unwrap(wrapped: Uint8Array, kekId: string, context: WrapContext): Promise<Uint8Array>;
}

/** The scope of the server's own secrets (signing keys' private JWKs, later SMTP passwords, API keys). Not a valid tenant id. */
export const SYSTEM_SCOPE = '_system';

/** An unwrapped data key. */
export interface DataKey {
  id: string;
  /** 32 bytes. */
  key: Uint8Array;
}

/** Data keys by scope, unwrapped on demand (implemented by services/keyring.ts). */
export interface DataKeys {
  /** The scope's active data key, created on first use. */
  active(scope: string): Promise<DataKey>;
  /** One of the scope's data keys, active or retired; crypto.key_unavailable when it is not the scope's. */
  get(scope: string, id: string): Promise<DataKey>;
}

/**
 * Seals small secrets (a private JWK, a password) for storage in the database. `tx`: the caller's
 * open transaction, so a key lookup runs inside it (PGlite has one connection: a query beside an
 * open transaction would wait for it forever).
 */
export interface SecretBox {
  /** An opaque envelope string; `purpose` (e.g. `signing_keys:<kid>`) binds it to where it is stored. */
  seal(plaintext: Uint8Array, purpose: string, tx?: SqlRunner): Promise<string>;
  /** The plaintext, or crypto.key_unavailable when the envelope does not open under `purpose`. */
  open(envelope: string, purpose: string, tx?: SqlRunner): Promise<Uint8Array>;
  /** True for a string seal() made (anything else is a legacy plaintext value). */
  isSealed(value: string): boolean;
  /** True when the envelope is sealed under the current (active) key: nothing to re-seal. */
  isCurrent(envelope: string, tx?: SqlRunner): Promise<boolean>;
}
