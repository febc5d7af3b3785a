import { randomUUID } from 'node:crypto';
import { b64u, fromB64u } from '../../domain/e2e/bytes.js';
import { type EpochPayload, epochLink, generateX25519, newVaultKey, unwrapEpochKey, type X25519KeyPair } from '../../domain/e2e/envelopes.js';
import { deviceFingerprint, vaultFingerprint } from '../../domain/e2e/fingerprints.js';
import { formatHlc } from '../../domain/e2e/hlc.js';
import { sealRecord, type SyncRecord } from '../../domain/e2e/records.js';
import { recoveryKeyPair } from '../../domain/e2e/recovery.js';
import { AppError, isAppError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { SyncRelay } from '../../ports/sync-relay.js';
import type { VaultBinding, VaultKeyFile, VaultKeyStore } from '../../ports/vault-keys.js';
import { acceptEpochs, envelopeFor, epochPayloads, memberRecord } from './epochs.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The vault keys of an end-to-end vault on one device (decision 0018): create them (registration),
 * receive them (a new device, approved; or recovered with the phrase), grant them to a new device
 * whose fingerprint a person confirmed, rotate them when a device is revoked, and learn rotations
 * made elsewhere. Keys live in the key store; they leave the device only wrapped.
 */
export class VaultKeysService {
  constructor(
    private readonly relay: SyncRelay,
    private readonly store: VaultKeyStore,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** This device's X25519 key pair, created on first use. */
  deviceKey(): X25519KeyPair {
    const state = this.store.load();
    if (state) return state.device;
    const device = generateX25519();
    this.store.save({ device, vault: null });
    return device;
  }

  /** The vault this device is bound to, or null. */
  binding(): VaultBinding | null {
    return this.store.load()?.vault ?? null;
  }

  /** Bind this device to a vault (after its sign-in); binding it to another vault is refused. */
  bind(server: string, tenantId: string, deviceId: string): VaultBinding {
    const device = this.deviceKey();
    const current = this.binding();
    if (current) {
      if (current.server === server && current.tenantId === tenantId && current.deviceId === deviceId) return current;
      throw new AppError('conflict', `this data dir already holds the end-to-end vault ${current.tenantId} at ${current.server}: use another --data-dir`);
    }
    const vault: VaultBinding = { server, tenantId, deviceId, recoveryPublicKey: null, epochs: {}, members: {}, fingerprint: null };
    this.store.save({ device, vault });
    return vault;
  }

  /** Publish this device's X25519 public key on the relay (others wrap the vault keys to it once a person confirmed it). */
  async publishOwnKey(): Promise<void> {
    await this.relay.publishKey(this.deviceKey().publicKey);
  }

  /** The bound vault with its keys, or e2e.no_keys saying how to get them. */
  keyed(): VaultBinding {
    const vault = this.binding();
    if (!vault) throw new AppError('e2e.no_keys', 'this device is not bound to an end-to-end vault (p8fs register --e2e, p8fs login, p8fs recover)');
    if (Object.keys(vault.epochs).length === 0) {
      throw new AppError('e2e.no_keys', 'this device has no vault keys yet: approve it from a device that has them (p8fs approve CODE --fingerprint …), or restore them with p8fs recover');
    }
    return vault;
  }

  /** An epoch's vault key, or null when this device does not hold it. */
  epochKey(epoch: number): Uint8Array | null {
    const k = this.binding()?.epochs[String(epoch)];
    return k ? fromB64u(k) : null;
  }

  /** The newest epoch this device holds. */
  currentEpoch(): number {
    const epochs = Object.keys(this.keyed().epochs).map(Number);
    return Math.max(...epochs);
  }

  /**
   * Create the vault's first keys (the device that registered it): epoch 0, wrapped to this device
   * and to the recovery key of the phrase. Returns the vault fingerprint.
   */
  async create(phrase: string): Promise<string> {
    const vault = this.binding();
    if (!vault) throw new AppError('e2e.no_keys', 'bind the device to its vault first');
    if ((await this.relay.status()).epoch !== null) {
      // Made before and this device lost track (a crash after the envelopes went up): take them back.
      if ((await this.refresh()) > 0) return this.keyed().fingerprint as string;
      throw new AppError('conflict', 'this vault has keys already: sign this device in with p8fs login, or p8fs recover');
    }
    const device = this.deviceKey();
    const recovery = recoveryKeyPair(phrase, vault.tenantId);
    const key = newVaultKey();
    const payload: EpochPayload = { key, link: epochLink(vault.tenantId, 0, key, null), recoveryPublicKey: recovery.publicKey };
    await this.relay.publishKey(device.publicKey);
    await this.relay.putEnvelopes([
      envelopeFor(vault.tenantId, vault.deviceId, device.publicKey, 0, payload),
      envelopeFor(vault.tenantId, 'recovery', recovery.publicKey, 0, payload),
    ]);
    const fingerprint = vaultFingerprint(vault.tenantId, key);
    this.save({ ...vault, epochs: { 0: b64u(key) }, recoveryPublicKey: recovery.publicKey, fingerprint });
    await this.pushMember(vault.deviceId, device.publicKey);
    return fingerprint;
  }

  /**
   * Fetch this device's envelopes and take in the epochs it does not hold yet. Epoch 0 is taken as
   * the vault's first key (the vault fingerprint lets a person check it); every later epoch must be
   * linked from the one before, so only a holder of the keys can introduce a new one. Returns how
   * many epochs were new.
   */
  async refresh(): Promise<number> {
    const vault = this.binding();
    if (!vault) return 0;
    const device = this.deviceKey();
    const found = new Map<number, EpochPayload>();
    for (const e of await this.relay.envelopes('me')) {
      try {
        found.set(e.epoch, unwrapEpochKey({ tenantId: vault.tenantId, recipient: vault.deviceId, epoch: e.epoch }, device.privateKey, fromB64u(e.wrapped)));
      } catch (err) {
        this.log.warn({ epoch: e.epoch, err: (err as Error).message }, 'e2e: an envelope for this device does not open; ignored');
      }
    }
    return this.accept(vault, found, null);
  }

  /** Wait until this device holds the vault keys (a new device, while another approves it). */
  async awaitKeys(timeoutMs: number, pollMs = 2000): Promise<VaultBinding> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      if ((await this.refresh()) > 0 || Object.keys(this.binding()?.epochs ?? {}).length > 0) return this.keyed();
      if (this.now() > deadline) throw new AppError('e2e.no_keys', 'no vault keys arrived in time: approve this device from one that has them (p8fs approve CODE --fingerprint …), then run p8fs sync');
      await sleep(pollMs);
    }
  }

  /** The published key of a device of the vault, waiting for it to appear (the new device publishes it once signed in). */
  async awaitDeviceKey(deviceId: string, timeoutMs: number, pollMs = 1000): Promise<string> {
    const deadline = this.now() + timeoutMs;
    for (;;) {
      const key = (await this.relay.listKeys()).find((k) => k.device_id === deviceId)?.x25519_public_key;
      if (key) return key;
      if (this.now() > deadline) throw new AppError('e2e.no_keys', `device ${deviceId} has not published its key: is p8fs login still running on it?`);
      await sleep(pollMs);
    }
  }

  /**
   * Give a new device the vault keys: every epoch, wrapped to its published key, once `confirm`
   * (a person comparing fingerprints) accepts the key's fingerprint. The device becomes a member:
   * later rotations wrap to it.
   */
  async grant(deviceId: string, publicKey: string, confirm: (fingerprint: string) => Promise<boolean>): Promise<{ fingerprint: string; epochs: number }> {
    await this.refresh();
    const vault = this.keyed();
    const fingerprint = deviceFingerprint(publicKey);
    if (!(await confirm(fingerprint))) {
      throw new AppError('e2e.fingerprint_mismatch', `the key the server gave for device ${deviceId} has the fingerprint ${fingerprint}, not the one confirmed: nothing was shared with it`);
    }
    const envelopes = epochPayloads(vault).map(({ epoch, payload }) => envelopeFor(vault.tenantId, deviceId, publicKey, epoch, payload));
    await this.relay.putEnvelopes(envelopes).catch((err: unknown) => {
      if (!isAppError(err, 'conflict')) throw err;
      this.log.info({ device: deviceId }, 'e2e: the device holds these keys already');
    });
    this.save({ ...vault, members: { ...vault.members, [deviceId]: { publicKey, hlc: this.hlc(), revoked: false } } });
    await this.pushMember(deviceId, publicKey);
    return { fingerprint, epochs: envelopes.length };
  }

  /**
   * Rotate to a new epoch after a device was revoked: a new random key, linked from the current one,
   * wrapped to the trusted members the server still lists as active (never to a key the server
   * lists on its own) and to the recovery key. Data written from now on is unreadable to the revoked
   * device; what it already had, it keeps.
   */
  async rotate(revokedDeviceId: string): Promise<{ epoch: number; recipients: number }> {
    for (let attempt = 0; ; attempt++) {
      await this.refresh();
      const vault = this.keyed();
      const active = new Set(await this.relay.activeDevices());
      const epoch = this.currentEpoch() + 1;
      const key = newVaultKey();
      const payload: EpochPayload = { key, link: epochLink(vault.tenantId, epoch, key, this.epochKey(epoch - 1)), recoveryPublicKey: vault.recoveryPublicKey ?? '' };
      const members = Object.entries(vault.members)
        .filter(([id, m]) => !m.revoked && id !== revokedDeviceId && (active.has(id) || id === vault.deviceId));
      if (!members.some(([id]) => id === vault.deviceId)) members.push([vault.deviceId, { publicKey: this.deviceKey().publicKey, hlc: '', revoked: false }]);
      const envelopes = members.map(([id, m]) => envelopeFor(vault.tenantId, id, m.publicKey, epoch, payload));
      if (vault.recoveryPublicKey) envelopes.push(envelopeFor(vault.tenantId, 'recovery', vault.recoveryPublicKey, epoch, payload));
      try {
        await this.relay.putEnvelopes(envelopes);
      } catch (err) {
        // Another device rotated at the same moment: take its epoch in, then make the next one.
        if (isAppError(err, 'conflict') && attempt < 3) continue;
        throw err;
      }
      const revoked = vault.members[revokedDeviceId];
      this.save({
        ...vault, epochs: { ...vault.epochs, [String(epoch)]: b64u(key) },
        members: { ...vault.members, [revokedDeviceId]: { publicKey: revoked?.publicKey ?? '', hlc: this.hlc(), revoked: true } },
      });
      await this.pushMember(revokedDeviceId, null);
      return { epoch, recipients: envelopes.length };
    }
  }

  /** Restore the vault keys on this device from the recovery phrase; e2e.recovery_failed for a wrong phrase. */
  async recover(phrase: string): Promise<{ fingerprint: string; epochs: number }> {
    const vault = this.binding();
    if (!vault) throw new AppError('e2e.no_keys', 'sign this device in to the vault first');
    const recovery = recoveryKeyPair(phrase, vault.tenantId);
    const found = new Map<number, EpochPayload>();
    const envelopes = await this.relay.envelopes('recovery');
    if (envelopes.length === 0) throw new AppError('e2e.recovery_failed', 'this vault has no recovery envelope: is it an end-to-end vault whose first device finished registering?');
    for (const e of envelopes) {
      try {
        found.set(e.epoch, unwrapEpochKey({ tenantId: vault.tenantId, recipient: 'recovery', epoch: e.epoch }, recovery.privateKey, fromB64u(e.wrapped)));
      } catch {
        throw new AppError('e2e.recovery_failed', 'this recovery phrase does not open the vault\'s keys: it is the wrong phrase (or another vault\'s); nothing was changed');
      }
    }
    if ((await this.accept(vault, found, recovery.publicKey)) === 0 && Object.keys(vault.epochs).length === 0) {
      throw new AppError('e2e.recovery_failed', 'the recovered keys do not link up: the server altered the envelopes');
    }
    const keyed = this.keyed();
    const device = this.deviceKey();
    await this.relay.publishKey(device.publicKey);
    const mine = epochPayloads(keyed).map(({ epoch, payload }) => envelopeFor(keyed.tenantId, keyed.deviceId, device.publicKey, epoch, payload));
    await this.relay.putEnvelopes(mine).catch((err: unknown) => {
      if (!isAppError(err, 'conflict')) throw err;
    });
    this.save({ ...keyed, members: { ...keyed.members, [keyed.deviceId]: { publicKey: device.publicKey, hlc: this.hlc(), revoked: false } } });
    await this.pushMember(keyed.deviceId, device.publicKey);
    return { fingerprint: keyed.fingerprint as string, epochs: mine.length };
  }

  /** Take in a member record pulled from the log (the newer record per device wins). */
  applyMember(record: SyncRecord): void {
    const vault = this.binding();
    if (!vault || record.kind !== 'member') return;
    const id = record.key.slice('member:'.length);
    const known = vault.members[id];
    if (known && known.hlc >= record.hlc) return;
    const publicKey = record.op === 'put' ? record.data.x25519_public_key : (known?.publicKey ?? '');
    this.save({ ...vault, members: { ...vault.members, [id]: { publicKey, hlc: record.hlc, revoked: record.op === 'delete' } } });
  }

  /** The member records this device knows (they go into snapshots). */
  memberRecords(): SyncRecord[] {
    const vault = this.binding();
    if (!vault) return [];
    return Object.entries(vault.members).map(([id, m]) => memberRecord(vault.deviceId, id, m.revoked ? null : m.publicKey, m.hlc));
  }

  /** Seal and push a member record (put with the key, or delete) under the newest epoch. */
  private async pushMember(deviceId: string, publicKey: string | null): Promise<void> {
    const vault = this.keyed();
    const epoch = this.currentEpoch();
    const recordId = randomUUID();
    const body = sealRecord(this.epochKey(epoch) as Uint8Array, { tenantId: vault.tenantId, recordId, epoch }, memberRecord(vault.deviceId, deviceId, publicKey, this.hlc()));
    await this.relay.push([{ record_id: recordId, epoch, body: b64u(body) }]);
  }

  /** Save the epochs of `found` that check out (acceptEpochs); how many were new. */
  private accept(vault: VaultBinding, found: Map<number, EpochPayload>, recoveryPublicKey: string | null): number {
    const next = acceptEpochs(vault, found, recoveryPublicKey, this.log);
    if (next.added > 0) this.save(next.vault);
    return next.added;
  }

  private hlc(): string {
    return formatHlc({ wall: this.now(), counter: 0 });
  }

  private save(vault: VaultBinding): void {
    this.store.save({ device: this.deviceKey(), vault } satisfies VaultKeyFile);
  }
}
