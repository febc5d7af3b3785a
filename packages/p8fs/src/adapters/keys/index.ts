import type { Config } from '../../config/schema.js';
import { AppError } from '../../domain/errors.js';
import type { KeyWrapper } from '../../ports/key-wrapper.js';
import { LocalKeyWrapper } from './local-key-wrapper.js';
import { loadOrCreateMasterKeyFile, masterKeyPath, nextMasterKeyPath, parseMasterKey, readKeyFile } from './master-key.js';

export { localKekId, LocalKeyWrapper } from './local-key-wrapper.js';

/** Where the master key came from: P8FS_MASTER_KEY (servers) or <dataDir>/master.key (embedded). */
export type MasterKeySource = 'env' | 'file';

/**
 * The configured KeyWrapper. With masterKey set (P8FS_MASTER_KEY, and P8FS_MASTER_KEY_PREVIOUS
 * during a rotation) those keys; otherwise <dataDir>/master.key, created on first run only when
 * the vault has no data keys yet (`hasDataKeys` false): a vault whose key file went missing fails
 * instead of quietly getting a new key that opens nothing. A master.key.next left by an unfinished
 * `p8fs keys rotate` can unwrap too, until the rotation is run again and finishes.
 */
export function createKeyWrapper(config: Config, hasDataKeys: boolean): { wrapper: KeyWrapper; source: MasterKeySource; created: boolean } {
  if (config.masterKey) {
    const previous = config.masterKeyPrevious ? [parseMasterKey(config.masterKeyPrevious, 'P8FS_MASTER_KEY_PREVIOUS')] : [];
    return { wrapper: new LocalKeyWrapper(parseMasterKey(config.masterKey, 'P8FS_MASTER_KEY'), previous), source: 'env', created: false };
  }
  const next = readKeyFile(nextMasterKeyPath(config.dataDir));
  if (!hasDataKeys) {
    const { key, created } = loadOrCreateMasterKeyFile(config.dataDir);
    return { wrapper: new LocalKeyWrapper(key, next ? [next] : []), source: 'file', created };
  }
  const key = readKeyFile(masterKeyPath(config.dataDir));
  if (!key) {
    throw new AppError('crypto.key_unavailable',
      `this vault's data keys need its master key, but ${masterKeyPath(config.dataDir)} is missing and P8FS_MASTER_KEY is not set: ` +
      'restore the key file from your backup, or set P8FS_MASTER_KEY');
  }
  return { wrapper: new LocalKeyWrapper(key, next ? [next] : []), source: 'file', created: false };
}
