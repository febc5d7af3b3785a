import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError } from '../../domain/errors.js';

// The embedded vault's key-encryption key lives next to the data it protects, readable by the
// owner only. That protects blob folders and buckets kept elsewhere (an S3 bucket, a backup of
// blobs/) and nothing against someone who can read the whole data dir: docs/security/at-rest.md.

export const MASTER_KEY_FILE = 'master.key';
/** A rotation in progress: the new key is on disk before any data key is wrapped under it. */
export const NEXT_MASTER_KEY_FILE = 'master.key.next';

export const masterKeyPath = (dataDir: string) => join(dataDir, MASTER_KEY_FILE);
export const nextMasterKeyPath = (dataDir: string) => join(dataDir, NEXT_MASTER_KEY_FILE);

/** A new random master key. */
export const newMasterKey = (): Uint8Array => new Uint8Array(randomBytes(32));

/** Decode a base64 master key (P8FS_MASTER_KEY, the key files); config.invalid unless it is 32 bytes. */
export function parseMasterKey(text: string, where: string): Uint8Array {
  const t = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(t) ? Buffer.from(t, t.includes('-') || t.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
  if (bytes.length !== 32) throw new AppError('config.invalid', `${where}: a master key is 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  return new Uint8Array(bytes);
}

/** The key in a key file, or null when there is none. */
export function readKeyFile(path: string): Uint8Array | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  // Whatever an older umask or a restore left: the key file is the owner's alone.
  chmodSync(path, 0o600);
  return parseMasterKey(text, path);
}

/**
 * Write a key file atomically, mode 0600 in a 0700 dir: a temp file, synced, then linked (`create`:
 * fails with EEXIST when another process created it first) or renamed over the old one.
 */
export function writeKeyFile(path: string, key: Uint8Array, how: 'create' | 'replace'): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${Buffer.from(key).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    if (how === 'create') linkSync(tmp, path);
    else renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
  syncDir(dirname(path));
}

/** <dataDir>/master.key, created on first run (another process creating it at the same time wins, and its key is used). */
export function loadOrCreateMasterKeyFile(dataDir: string): { key: Uint8Array; created: boolean } {
  const existing = readKeyFile(masterKeyPath(dataDir));
  if (existing) return { key: existing, created: false };
  try {
    const key = newMasterKey();
    writeKeyFile(masterKeyPath(dataDir), key, 'create');
    return { key, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { key: readKeyFile(masterKeyPath(dataDir)) as Uint8Array, created: false };
  }
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Not every platform syncs directories; the rename is still atomic.
  }
}
