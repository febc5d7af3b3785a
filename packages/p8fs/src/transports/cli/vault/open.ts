import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { type CliContext, oneShotLogLevel, showNotes } from '../context.js';
import { openEmbedded } from '../embedded.js';
import type { VaultClient } from './client.js';
import { LocalVault } from './local.js';
import { RemoteVault } from './remote.js';

/**
 * Reach the vault: --server / P8FS_SERVER first; else the server that holds the data dir (its lock
 * records its URL: a running server's database files are never opened by a second process);
 * else the data dir in this process.
 */
export async function openVault(ctx: CliContext): Promise<VaultClient> {
  const { config } = ctx;
  if (config.server) return new RemoteVault(config.server);
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (holder?.url) {
    if (showNotes(ctx)) ctx.io.err(`p8fs: using the server at ${holder.url} (it holds ${config.dataDir})\n`);
    return new RemoteVault(holder.url);
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
