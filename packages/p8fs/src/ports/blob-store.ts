import type { Readable } from 'node:stream';

/** What a completed blob write produced. */
export interface StoredBlob {
  /** tenant-prefixed, content-addressed: tenants/<tenant>/blobs/<sha[0:2]>/<sha256> */
  key: string;
  size: number;
  sha256: string;
}

/** Blob storage port. Keys are always tenant-prefixed; a key of another tenant is refused. */
export interface BlobStore {
  /** Stream bytes in; fails with file.too_large past maxBytes and leaves nothing behind. */
  put(tenantId: string, body: Readable | AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<StoredBlob>;
  /** A stream of the blob's bytes, or file.not_found. */
  get(tenantId: string, key: string): Promise<Readable>;
  /** The whole blob in memory (parsers that need random access). */
  read(tenantId: string, key: string): Promise<Buffer>;
  exists(tenantId: string, key: string): Promise<boolean>;
  /** Idempotent: deleting a missing blob is not an error. */
  delete(tenantId: string, key: string): Promise<void>;
}
