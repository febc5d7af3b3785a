import { loadOrCreateDeviceKey } from './device-key.js';
import type { App } from '../../app.js';
import { acquireLock } from '../../adapters/db/data-dir-lock.js';
import { securePrivateDir } from '../../adapters/db/data-dir-perms.js';
import type { Config } from '../../config/schema.js';

/** The role a process takes on a data dir; it is written into the lock for others to read. */
export type DataDirRole = 'cli' | 'server' | 'worker';

/** An App opened in this process on the vault's own storage, holding the data-dir lock. */
export interface Embedded {
  app: App;
  /** Record where this process serves HTTP, so CLI commands started later talk to it. */
  recordUrl(url: string): void;
  /** Close the app (stopping its worker pool first), then release the lock. */
  close(): Promise<void>;
}

/**
 * Open the vault in process. PGlite has one writer, so the data-dir lock is taken first; Postgres is
 * shared by design and needs none.
 */
export async function openEmbedded(config: Config, role: DataDirRole, logLevel: Config['logLevel']): Promise<Embedded> {
  const lock = config.storageProvider === 'pglite' ? acquireLock(config.dataDir, role) : null;
  try {
    // Loaded on demand: the app pulls in the database and the embedders, which `--help`, `config`
    // and every command talking to a server never need.
    const { createApp, createLogger } = await import('../../app.js');
    // The machine that holds the data dir holds the owner's key: with it the owner approves sign-ins.
    const ownerPublicKey = config.storageProvider === 'pglite' ? loadOrCreateDeviceKey(config.dataDir).key.publicKey : undefined;
    const logger = createLogger(logLevel);
    // OTEL_* are read here, by the entrypoint, and only here (decision 0024); unset, nothing is loaded.
    const { createTracing } = await import('../../adapters/tracing/index.js');
    const { VERSION } = await import('../../version.js');
    const tracing = await createTracing(process.env, role === 'worker' ? 'p8fs-worker' : 'p8fs', VERSION, logger);
    const app = await createApp(config, { logger, ownerPublicKey, tracing });
    // Once the vault is ours and open: what an older version or another umask left open, and the
    // files PGlite creates 0666 whatever the umask, become private. One walk per start.
    securePrivateDir(config.dataDir);
    return {
      app,
      recordUrl: (url) => lock?.update(url),
      close: async () => {
        try {
          await app.close();
        } finally {
          lock?.release();
        }
      },
    };
  } catch (err) {
    lock?.release();
    throw err;
  }
}
