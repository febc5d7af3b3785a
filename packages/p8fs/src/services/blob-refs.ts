import type { BlobStore } from '../ports/blob-store.js';
import type { Db } from '../ports/db.js';
import { countBlobRefs } from './sql/files.js';

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
