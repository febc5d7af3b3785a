import { z } from 'zod';
import { AppError } from '../errors.js';

// The archive `p8fs backup` writes (decision 0021): a plain tar whose first member is
// manifest.json, then the database dump, then every blob the dump references (as stored: still
// encrypted), then master.key only when asked for. Readers refuse a format version they do not know.

export const BACKUP_FORMAT = 'p8fs-backup';
export const BACKUP_VERSION = 1;
export const MANIFEST_MEMBER = 'manifest.json';
/** PGlite's dumpDataDir of the database, gzipped tar. */
export const DB_MEMBER = 'db.tar.gz';
export const MASTER_KEY_MEMBER = 'master.key';
/** Blobs keep their store key under this folder: blobs/tenants/<tenant>/blobs/<xx>/<sha256>. */
export const BLOB_PREFIX = 'blobs/';

const BLOB_MEMBER = /^blobs\/tenants\/[a-z0-9][a-z0-9_-]{0,62}\/blobs\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export const BackupMember = z.object({ path: z.string(), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
export type BackupMember = z.infer<typeof BackupMember>;

export const BackupManifest = z.object({
  format: z.literal(BACKUP_FORMAT),
  version: z.number().int(),
  p8fs_version: z.string(),
  created_at: z.string(),
  /** The last migration applied to the database in the dump (a restore needs a p8fs that has it). */
  migration: z.string(),
  migrations: z.number().int(),
  counts: z.object({ tenants: z.number().int(), files: z.number().int(), resources: z.number().int(), blobs: z.number().int() }),
  master_key_included: z.boolean(),
  /** Blobs the database names that were not in the store at backup time (lost before it: listed, never hidden). */
  missing_blobs: z.array(z.string()),
  members: z.array(BackupMember),
});
export type BackupManifest = z.infer<typeof BackupManifest>;

/** Parse manifest.json: a clear refusal for another format or a version this build does not read. */
export function parseManifest(text: string): BackupManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new AppError('validation_failed', 'not a p8fs backup: manifest.json is not JSON');
  }
  const head = z.object({ format: z.string(), version: z.number() }).safeParse(raw);
  if (!head.success || head.data.format !== BACKUP_FORMAT) throw new AppError('validation_failed', 'not a p8fs backup: manifest.json has another format');
  if (head.data.version !== BACKUP_VERSION) {
    throw new AppError('validation_failed', `backup format version ${head.data.version} is not one this p8fs reads (it reads version ${BACKUP_VERSION}): restore it with the p8fs that wrote it, or a newer one`);
  }
  const parsed = BackupManifest.safeParse(raw);
  if (!parsed.success) throw new AppError('validation_failed', `the backup's manifest.json is damaged: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

/** What a member path is, refusing anything outside the layout (a crafted archive cannot name ../ or absolute paths). */
export function memberKind(path: string): 'db' | 'master-key' | 'blob' {
  if (path === DB_MEMBER) return 'db';
  if (path === MASTER_KEY_MEMBER) return 'master-key';
  const m = BLOB_MEMBER.exec(path);
  if (m && m[1] === m[2]?.slice(0, 2)) return 'blob';
  throw new AppError('validation_failed', `the backup holds an unexpected member: ${JSON.stringify(path.slice(0, 200))}`);
}

/** manifest.json's bytes as the archive holds them. */
export function manifestBytes(manifest: BackupManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

/** The archive's exact length: the manifest, then a header and whole 512-byte blocks per member, then two zero blocks. */
export function archiveLength(manifest: BackupManifest): number {
  const block = (n: number) => Math.ceil(n / 512) * 512;
  return 512 + block(manifestBytes(manifest).byteLength) + manifest.members.reduce((n, m) => n + 512 + block(m.size), 0) + 1024;
}
