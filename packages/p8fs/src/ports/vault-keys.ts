import type { X25519KeyPair } from '../domain/e2e/envelopes.js';

/** A device trusted with the vault keys, or one that was (revoked: the member record said so). */
export interface VaultMember {
  publicKey: string;
  /** The HLC of the member record this comes from: the newer record wins. */
  hlc: string;
  revoked: boolean;
}

/** Which vault a device replica belongs to, and the keys it holds for it. */
export interface VaultBinding {
  /** The relay's base URL. */
  server: string;
  /** The E2E tenant on that server. */
  tenantId: string;
  /** This device's id there. */
  deviceId: string;
  /** The recovery key's public half (from an envelope): every new epoch is wrapped to it too. */
  recoveryPublicKey: string | null;
  /** Vault key per epoch, base64url. */
  epochs: Record<string, string>;
  /**
   * Devices trusted with the keys, by id: their X25519 public keys as a person confirmed them or a
   * sealed member record said. Rotations wrap to these only, never to a key the server lists.
   */
  members: Record<string, VaultMember>;
  /** The vault's fingerprint (of epoch 0's key), once the keys arrived. */
  fingerprint: string | null;
}

/** What a device keeps about end-to-end vaults: its X25519 key pair, and the vault it is bound to. */
export interface VaultKeyFile {
  device: X25519KeyPair;
  vault: VaultBinding | null;
}

/**
 * Where a device keeps its E2E keys (adapters/e2e/key-file.ts: <dataDir>/e2e.json, readable by the
 * user only, like device.key). The vault keys never leave the device except wrapped.
 */
export interface VaultKeyStore {
  /** The stored state, or null when this device has no E2E key yet. */
  load(): VaultKeyFile | null;
  save(state: VaultKeyFile): void;
}
