import type { BlobLedger, BlobRecord } from '../ports/blob-store.js';
import type { SqlRunner } from '../ports/db.js';
import { findBlob, forgetBlob, recordBlob } from './sql/blobs.js';

/** The BlobLedger over the `blobs` table: what the encrypted blob store trusts about each object. */
export function dbBlobLedger(db: SqlRunner): BlobLedger {
  return {
    async find(tenantId, key): Promise<BlobRecord | null> {
      const row = await findBlob(db, tenantId, key);
      if (!row) return null;
      if (row.data_key_id === null || row.nonce === null || row.size === null) return { kind: 'plaintext' };
      return { kind: 'encrypted', dataKeyId: row.data_key_id, nonce: row.nonce, size: row.size };
    },
    record: (tenantId, key, r) => recordBlob(db, tenantId, key, r.dataKeyId, r.nonce, r.size),
    forget: (tenantId, key) => forgetBlob(db, tenantId, key),
  };
}
