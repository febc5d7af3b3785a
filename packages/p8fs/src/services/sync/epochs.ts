import type { EnvelopeIn } from '@p8fs/contracts';
import { b64u, fromB64u, sameBytes } from '../../domain/e2e/bytes.js';
import { type EpochPayload, epochLink, wrapEpochKey } from '../../domain/e2e/envelopes.js';
import { vaultFingerprint } from '../../domain/e2e/fingerprints.js';
import { memberKey, type SyncRecord } from '../../domain/e2e/records.js';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { VaultBinding } from '../../ports/vault-keys.js';

// Pure steps of the vault keys (decision 0018): which unwrapped epochs a device accepts, what a new
// holder of the keys receives, envelopes, member records.

/**
 * The binding with the epochs of `found` that check out added, and how many were new. Epoch 0 is
 * the vault's first key (the vault fingerprint lets a person check it); a later epoch must carry
 * the link its predecessor's key makes, so only a holder of the keys can introduce one.
 */
export function acceptEpochs(vault: VaultBinding, found: Map<number, EpochPayload>, recoveryPublicKey: string | null, log: Logger): { vault: VaultBinding; added: number } {
  const epochs = { ...vault.epochs };
  let recovery = vault.recoveryPublicKey ?? recoveryPublicKey;
  let added = 0;
  for (const epoch of [...found.keys()].sort((a, b) => a - b)) {
    const p = found.get(epoch) as EpochPayload;
    const known = epochs[String(epoch)];
    if (known) {
      if (known !== b64u(p.key)) log.warn({ epoch }, 'e2e: an envelope offers another key for an epoch this device holds; ignored');
      continue;
    }
    const prev = epoch === 0 ? null : epochs[String(epoch - 1)];
    if (epoch > 0 && !prev) {
      log.warn({ epoch }, 'e2e: a key epoch whose predecessor this device does not hold; refused');
      continue;
    }
    if (!sameBytes(p.link, epochLink(vault.tenantId, epoch, p.key, prev ? fromB64u(prev) : null))) {
      log.warn({ epoch }, 'e2e: a key epoch not linked from the one before; refused');
      continue;
    }
    epochs[String(epoch)] = b64u(p.key);
    recovery ??= p.recoveryPublicKey;
    added++;
  }
  const k0 = epochs['0'];
  return { vault: { ...vault, epochs, recoveryPublicKey: recovery, fingerprint: k0 ? vaultFingerprint(vault.tenantId, fromB64u(k0)) : null }, added };
}

/** Every epoch a binding holds, with the payload a new holder needs (links recomputed). */
export function epochPayloads(vault: VaultBinding): { epoch: number; payload: EpochPayload }[] {
  const keyOf = (e: number) => (vault.epochs[String(e)] ? fromB64u(vault.epochs[String(e)] as string) : null);
  return Object.keys(vault.epochs).map(Number).sort((a, b) => a - b).map((epoch) => {
    const key = keyOf(epoch) as Uint8Array;
    return { epoch, payload: { key, link: epochLink(vault.tenantId, epoch, key, keyOf(epoch - 1)), recoveryPublicKey: vault.recoveryPublicKey ?? '' } };
  });
}

/** An envelope of one epoch's payload for one recipient's public key. */
export function envelopeFor(tenantId: string, recipient: string, publicKey: string, epoch: number, payload: EpochPayload): EnvelopeIn {
  if (!payload.recoveryPublicKey) throw new AppError('e2e.no_keys', 'this device does not know the vault\'s recovery key');
  return { recipient, epoch, wrapped: b64u(wrapEpochKey({ tenantId, recipient, epoch }, publicKey, payload)) };
}

/** A member record: a device trusted with the keys (with its key), or one that no longer is. */
export function memberRecord(author: string, deviceId: string, publicKey: string | null, hlc: string): SyncRecord {
  const common = { v: 1 as const, key: memberKey(deviceId), hlc, device: author, base: '' };
  return publicKey
    ? { ...common, kind: 'member', op: 'put', data: { device_id: deviceId, x25519_public_key: publicKey } }
    : { ...common, kind: 'member', op: 'delete' };
}
