import type { BlobStore } from '../ports/blob-store.js';
import type { Db, SqlRunner } from '../ports/db.js';
import { sameContentBlob } from './sql/blobs.js';
import { countBlobRefs } from './sql/files.js';

/**
 * The blob key a new file row should use for `blob` (inside its transaction, after lockContents):
 * an encrypted blob of the tenant that already holds the same plaintext, or `blob` itself.
 * Encrypted blobs are named by their ciphertext, random per write, so identical uploads no longer
 * meet at one key by themselves. The blob reused is held by a FOR SHARE lock on a file that uses
 * it, so a concurrent delete of that file cannot release the blob under it. The caller releases
 * `blob.key` after commit when it is not used.
 */
export async function dedupBlob(tx: SqlRunner, tenantId: string, blob: { key: string; sha256: string }): Promise<string> {
  return (await sameContentBlob(tx, tenantId, blob.sha256, blob.key)) ?? blob.key;
}

/**
 * Transaction locks per (tenant, content hash), taken in sorted order (two archives sharing members
 * cannot deadlock on them): of two identical uploads, the second sees the first one's row and reuses its blob.
 */
export async function lockContents(tx: SqlRunner, tenantId: string, hashes: Iterable<string>): Promise<void> {
  for (const h of [...new Set(hashes)].sort()) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('p8fs.blob.' || $1::text || '.' || $2::text))`, [tenantId, h]);
  }
}

/**
 * Delete blobs that no file or artifact of the tenant points at any more. Blobs are
 * content-addressed and shared, so a key is only freed when its last reference is gone. Runs after
 * the database change commits: a crash in between leaves an orphan blob, never a dangling row.
 */
export async function releaseBlobs(db: Db, blobs: BlobStore, tenantId: string, keys: Iterable<string>): Promise<void> {
  for (const key of new Set(keys)) {
    if ((await countBlobRefs(db, tenantId, key)) === 0) await blobs.delete(tenantId, key);
  }
}
