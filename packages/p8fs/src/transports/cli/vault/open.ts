import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { type CliContext, oneShotLogLevel, showNotes } from '../context.js';
import { tokenFor } from '../credentials.js';
import { isE2eReplica } from '../e2e.js';
import { openEmbedded } from '../embedded.js';
import type { VaultClient } from './client.js';
import { LocalVault } from './local.js';
import { localOwnerToken, RemoteVault } from './remote.js';

/**
 * Reach the vault: --server / P8FS_SERVER first (unless the data dir is a device of that server's
 * end-to-end vault: then its replica); else the server that holds the data dir (its lock
 * records its URL: a running server's database files are never opened by a second process);
 * else the data dir in this process.
 */
export async function openVault(ctx: CliContext): Promise<VaultClient> {
  const { config } = ctx;
  // A device of an end-to-end vault works on its own replica: its server holds ciphertext only.
  if (config.server && !isE2eReplica(config)) {
    const server = config.server;
    // --token / P8FS_TOKEN wins; else this CLI's stored sign-in (p8fs register / login), refreshed when due.
    return new RemoteVault(server, async () => config.token ?? (await tokenFor(config, server)));
  }
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (holder?.url) {
    if (showNotes(ctx)) ctx.io.err(`p8fs: using the server at ${holder.url} (it holds ${config.dataDir})\n`);
    const url = holder.url;
    // Same machine, same data dir: the owner, who proves it with the data dir's secret.
    return new RemoteVault(url, async () => config.token ?? (await localOwnerToken(url, config.dataDir)).access_token);
  }
  return new LocalVault(await openEmbedded(config, 'cli', oneShotLogLevel(ctx)));
}

/** Run fn against the vault and always close it (releasing the data dir). */
export async function withVault<T>(ctx: CliContext, fn: (vault: VaultClient) => Promise<T>): Promise<T> {
  const vault = await openVault(ctx);
  try {
    return await fn(vault);
  } finally {
    await vault.close();
  }
}
