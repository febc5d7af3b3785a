import { createHash, type Hash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import { list, type ReadEntry } from 'tar';
import { type BackupManifest, BLOB_PREFIX, MANIFEST_MEMBER, memberKind, parseManifest } from '../../domain/backup/manifest.js';
import { AppError } from '../../domain/errors.js';
import { securePrivateDir } from '../db/data-dir-perms.js';
import { MASTER_KEY_FILE } from '../keys/master-key.js';

/** Where a backup is restored: the new vault's data dir and its blob folder (usually <dataDir>/blobs). */
export interface RestoreTarget {
  dataDir: string;
  blobDir: string;
}

export interface RestoreResult {
  manifest: BackupManifest;
  /** true when the archive held master.key, now in the data dir. */
  masterKeyRestored: boolean;
}

/** One member being written: its file, running hash and size. */
interface Open {
  path: string;
  fd: number;
  hash: Hash;
  size: number;
}

const MAX_MANIFEST = 256 * 1024 * 1024;

/**
 * Restore a `p8fs backup` archive into an empty data dir (decision 0021). Every member is checked
 * against the manifest (known path, size and sha256) as it is written; any problem (an unknown
 * format version, a tampered or truncated archive, a member outside the layout) removes everything
 * written and fails. Directories are created 0700 and files 0600. The database is then loaded from
 * its dump by PGlite itself, so the restored vault opens like any other.
 */
export async function restoreArchive(file: string, target: RestoreTarget): Promise<RestoreResult> {
  if (!existsSync(file)) throw new AppError('not_found', `no backup at ${file}`);
  for (const dir of new Set([target.dataDir, target.blobDir])) {
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new AppError('conflict', `${dir} is not empty: restore into a new, empty data dir`);
  }
  const created = [target.dataDir, target.blobDir].filter((d) => !existsSync(d));
  mkdirSync(target.dataDir, { recursive: true, mode: 0o700 });
  const staging = join(target.dataDir, '.restore');
  try {
    const { manifest, written } = await unpack(file, target, staging);
    const missing = manifest.members.filter((m) => !written.has(m.path));
    if (missing.length) throw new AppError('validation_failed', `the backup is incomplete: ${missing.length} member(s) missing (first: ${missing[0]?.path}); was the file cut short?`);
    await loadDatabase(join(staging, 'db.tar.gz'), join(target.dataDir, 'db'));
    rmSync(staging, { recursive: true, force: true });
    securePrivateDir(target.dataDir);
    if (!isInside(target.dataDir, target.blobDir)) securePrivateDir(target.blobDir);
    return { manifest, masterKeyRestored: written.has('master.key') };
  } catch (err) {
    // The target was empty: nothing of the user's is removed, only what this restore wrote.
    for (const dir of [target.dataDir, target.blobDir]) {
      if (created.includes(dir)) rmSync(dir, { recursive: true, force: true });
      else if (existsSync(dir)) for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
    }
    throw err;
  }
}

/** Read the archive once: manifest first, then each member to its place, verified as it streams. */
async function unpack(file: string, target: RestoreTarget, staging: string): Promise<{ manifest: BackupManifest; written: Set<string> }> {
  let manifest: BackupManifest | null = null;
  const written = new Set<string>();
  let failure: Error | null = null;
  const fail = (err: unknown) => {
    failure ??= err instanceof Error ? err : new Error(String(err));
  };
  const onEntry = (entry: ReadEntry) => {
    if (failure) return void entry.resume();
    try {
      if (entry.type !== 'File') throw new AppError('validation_failed', `the backup holds a ${entry.type} entry (${entry.path}): not a p8fs backup`);
      if (!manifest) {
        if (entry.path !== MANIFEST_MEMBER) throw new AppError('validation_failed', 'not a p8fs backup: manifest.json is not its first member');
        if ((entry.size ?? 0) > MAX_MANIFEST) throw new AppError('validation_failed', 'manifest.json is too large');
        const parts: Buffer[] = [];
        entry.on('data', (c: Buffer) => parts.push(c));
        entry.on('end', () => {
          try {
            manifest = parseManifest(Buffer.concat(parts).toString('utf8'));
          } catch (err) {
            fail(err);
          }
        });
        return;
      }
      const member = manifest.members.find((m) => m.path === entry.path);
      if (!member || written.has(entry.path)) throw new AppError('validation_failed', `the backup holds a member its manifest does not list (or twice): ${JSON.stringify(entry.path.slice(0, 200))}`);
      const out = openMember(destination(entry.path, target, staging));
      entry.on('data', (c: Buffer) => {
        if (failure) return;
        // Synchronous writes: memory stays bounded whatever the disk's speed (restore is a one-off).
        out.hash.update(c);
        out.size += c.length;
        writeSync(out.fd, c);
      });
      entry.on('end', () => {
        closeSync(out.fd);
        if (out.size !== member.size || out.hash.digest('hex') !== member.sha256) {
          fail(new AppError('validation_failed', `${entry.path} does not match the manifest (size or sha256): the backup was changed or damaged; nothing was restored`));
        } else written.add(entry.path);
      });
    } catch (err) {
      fail(err);
      entry.resume();
    }
  };
  try {
    await list({ file, strict: true, onReadEntry: onEntry });
  } catch (err) {
    fail(new AppError('validation_failed', `not a readable backup: ${(err as Error).message}`));
  }
  if (failure) throw failure;
  if (!manifest) throw new AppError('validation_failed', 'not a p8fs backup: it has no manifest.json');
  return { manifest, written };
}

/** Where a member goes; memberKind refuses every path outside the archive's layout. */
function destination(path: string, target: RestoreTarget, staging: string): string {
  const kind = memberKind(path);
  if (kind === 'db') return join(staging, 'db.tar.gz');
  if (kind === 'master-key') return join(target.dataDir, MASTER_KEY_FILE);
  return join(target.blobDir, path.slice(BLOB_PREFIX.length));
}

function openMember(path: string): Open {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  return { path, fd: openSync(path, 'wx', 0o600), hash: createHash('sha256'), size: 0 };
}

/** PGlite unpacks its own dump into the new data dir (and refuses one that already has a database). */
async function loadDatabase(dump: string, dbDir: string): Promise<void> {
  mkdirSync(dbDir, { recursive: true, mode: 0o700 });
  const pg = await PGlite.create({ dataDir: dbDir, loadDataDir: new Blob([readFileSync(dump)]), extensions: { vector, pg_trgm } });
  try {
    await pg.query('SELECT 1');
  } finally {
    await pg.close();
  }
}

function isInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}
