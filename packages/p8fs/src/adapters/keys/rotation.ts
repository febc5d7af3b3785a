import { renameSync } from 'node:fs';
import type { Config } from '../../config/schema.js';
import { AppError } from '../../domain/errors.js';
import type { KeyWrapper } from '../../ports/key-wrapper.js';
import { LocalKeyWrapper } from './local-key-wrapper.js';
import { masterKeyPath, newMasterKey, nextMasterKeyPath, parseMasterKey, readKeyFile, writeKeyFile } from './master-key.js';

/** A master key rotation: the wrapper the data keys move to, and what to do once they all have. */
export interface MasterKeyRotation {
  next: KeyWrapper;
  source: 'env' | 'file';
  /** Make the new key the one start-up reads (file: master.key.next replaces master.key). */
  finish(): void;
}

/**
 * Begin a master key rotation (`p8fs keys rotate`).
 * - file (embedded): a new key goes to <dataDir>/master.key.next (0600, synced) before any data key
 *   is wrapped under it, so a crash at any point loses nothing: start-up unwraps with both files,
 *   and running the rotation again reuses master.key.next and finishes. finish() renames it over
 *   master.key (atomic); the old key is gone only then.
 * - env (servers): P8FS_MASTER_KEY is the new key and P8FS_MASTER_KEY_PREVIOUS the old one, set on
 *   every process first (they unwrap with both and wrap with the new); the rotation re-wraps what is
 *   left under the old key; afterwards P8FS_MASTER_KEY_PREVIOUS can be dropped.
 */
export function beginMasterKeyRotation(config: Config): MasterKeyRotation {
  if (config.masterKey) {
    if (!config.masterKeyPrevious) {
      throw new AppError('validation_failed',
        'P8FS_MASTER_KEY is set: put the new key in P8FS_MASTER_KEY and the current one in P8FS_MASTER_KEY_PREVIOUS ' +
        '(on every process), then run `p8fs keys rotate` to re-wrap the data keys under the new one');
    }
    return { next: new LocalKeyWrapper(parseMasterKey(config.masterKey, 'P8FS_MASTER_KEY')), source: 'env', finish: () => {} };
  }
  const nextPath = nextMasterKeyPath(config.dataDir);
  let key = readKeyFile(nextPath);
  if (!key) {
    key = newMasterKey();
    writeKeyFile(nextPath, key, 'create');
  }
  return {
    next: new LocalKeyWrapper(key),
    source: 'file',
    finish: () => renameSync(nextPath, masterKeyPath(config.dataDir)),
  };
}
