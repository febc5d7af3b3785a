import type { App } from './app.js';
import { deviceBlobCipher } from './adapters/blob/encryption/device-cipher.js';
import { fileKeyStore } from './adapters/e2e/key-file.js';
import { httpRelay } from './adapters/sync/http-relay.js';
import type { Logger } from './ports/logger.js';
import type { SyncRelay } from './ports/sync-relay.js';
import type { VaultKeyStore } from './ports/vault-keys.js';
import { SyncEngine } from './services/sync/engine.js';
import { VaultKeysService } from './services/sync/vault-keys.js';

// The composition root of a device of an end-to-end vault (decision 0018): its key store in the data
// dir, the relay over HTTP, and the sync engine over the replica the device already runs.

/** The device's E2E key store (<dataDir>/e2e.json). */
export const deviceKeyStore = (dataDir: string): VaultKeyStore => fileKeyStore(dataDir);

/** The relay at `server`, with this device's bearer token. */
export const deviceRelay = (server: string, token: () => Promise<string>): SyncRelay => httpRelay(server, token);

/** The vault keys of this device, against the relay. */
export const deviceVaultKeys = (dataDir: string, relay: SyncRelay, log: Logger): VaultKeysService =>
  new VaultKeysService(relay, deviceKeyStore(dataDir), log);

/** The sync engine of a replica (an App opened on the device's data dir). */
export function deviceSyncEngine(app: App, keys: VaultKeysService, relay: SyncRelay): SyncEngine {
  const { files, moments, graph } = app.services;
  return new SyncEngine(
    { db: app.db, files, moments, graph, owner: app.owner, relay, keys, cipher: deviceBlobCipher, log: app.log },
    { snapshotEvery: app.config.syncSnapshotEvery },
  );
}

/** A replica syncing in the background (`p8fs serve` on a device of an end-to-end vault). */
export interface BackgroundSync {
  /** Stop after the pass in flight, if any. */
  stop(): Promise<void>;
}

/**
 * Sync the replica every intervalMs, starting now, until stopped. A pass that fails (the relay is
 * unreachable, the device has no keys yet) is logged and tried again at the next tick.
 */
export function startBackgroundSync(app: App, relay: SyncRelay, intervalMs: number): BackgroundSync {
  const engine = deviceSyncEngine(app, deviceVaultKeys(app.config.dataDir, relay, app.log), relay);
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let pass: Promise<void> = Promise.resolve();
  const tick = () => {
    pass = engine.syncOnce().then(
      (s) => {
        if (s.pushed.records + s.pulled.applied + s.pulled.rejected + s.conflicts > 0)
          app.log.info({ pushed: s.pushed, pulled: s.pulled, conflicts: s.conflicts, cursor: s.cursor, head: s.head, epoch: s.epoch, ms: s.ms }, 'e2e sync');
      },
      (err: unknown) => app.log.warn({ err: (err as Error).message, code: (err as { code?: string }).code }, 'e2e sync failed; trying again'),
    ).finally(() => {
      if (!stopped) timer = setTimeout(tick, intervalMs);
    });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await pass;
    },
  };
}
