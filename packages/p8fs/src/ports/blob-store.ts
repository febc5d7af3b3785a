import type { Readable } from 'node:stream';

/** What a completed blob write produced. */
export interface StoredBlob {
  /**
   * tenant-prefixed, content-addressed: tenants/<tenant>/blobs/<sha[0:2]>/<sha256>. Through the
   * encrypted store the address is the ciphertext's (random per write), so the name reveals nothing.
   */
  key: string;
  /** Of the plaintext, whatever the store keeps. */
  size: number;
  /** Of the plaintext (files.content_hash, dedup), whatever the store keeps. */
  sha256: string;
}

/** Bytes start..end of a blob, both inclusive (as in an HTTP Range); no end = to the last byte. */
export interface ByteRange {
  start: number;
  end?: number | undefined;
}

/** Blob storage port. Keys are always tenant-prefixed; a key of another tenant is refused. */
export interface BlobStore {
  /** Stream bytes in; fails with file.too_large past maxBytes and leaves nothing behind. */
  put(tenantId: string, body: Readable | AsyncIterable<Uint8Array>, opts?: { maxBytes?: number }): Promise<StoredBlob>;
  /** A stream of the blob's bytes (or of one range of them), or file.not_found. */
  get(tenantId: string, key: string, range?: ByteRange): Promise<Readable>;
  /** The whole blob in memory (parsers that need random access). */
  read(tenantId: string, key: string): Promise<Buffer>;
  exists(tenantId: string, key: string): Promise<boolean>;
  /** Idempotent: deleting a missing blob is not an error. */
  delete(tenantId: string, key: string): Promise<void>;
  /**
   * Optional: a time-limited URL that GETs the stored object without credentials (stores clients can
   * reach). The object as stored: the encrypted store leaves this out, its objects are ciphertext.
   */
  presignGet?(tenantId: string, key: string, opts?: { expiresSeconds?: number }): Promise<string>;
}

/**
 * How one stored blob is encrypted, as the database records it. Reads trust this record, never the
 * bytes: a plaintext object an attacker puts in the bucket is not served as a legacy plaintext blob.
 */
export type BlobRecord =
  /** Written before encryption at rest (migration 0011): served as stored until the encryption job rewrites it. */
  | { kind: 'plaintext' }
  | {
      kind: 'encrypted';
      dataKeyId: string;
      /** The header's random nonce prefix: binds the object's name to its bytes (no swapping objects within a tenant). */
      nonce: Uint8Array;
      /** Plaintext bytes. */
      size: number;
    };

/** The record of every stored blob of a tenant (the `blobs` table; services/blob-ledger.ts). */
export interface BlobLedger {
  find(tenantId: string, key: string): Promise<BlobRecord | null>;
  /** Idempotent. */
  record(tenantId: string, key: string, r: BlobRecord & { kind: 'encrypted' }): Promise<void>;
  /** Idempotent. */
  forget(tenantId: string, key: string): Promise<void>;
}

/**
 * An object written straight into the store's incoming area, `incoming/<tenant>/<path>`, by a
 * presigned upload or another tool. `etag` and `modified` together name one upload of the key: the
 * same key uploaded again is another event.
 */
export interface IncomingObject {
  key: string;
  /** The tenant segment of the key, as written (not yet checked). */
  tenantId: string;
  /** The rest of the key: the file's uri in the vault. */
  path: string;
  etag: string;
  modified: Date;
  size: number;
}

/** The incoming area of a blob store: what storage events (services/storage-events.ts) read. */
export interface Inbox {
  /** One page of incoming objects in key order, after `after` (exclusive). */
  listIncoming(opts?: { after?: string | undefined; limit?: number | undefined }): Promise<IncomingObject[]>;
  /** The object's current state, or null when it is gone. */
  statIncoming(key: string): Promise<IncomingObject | null>;
  /**
   * The object's bytes, or null when it is gone or no longer the upload `etag` names (it was
   * replaced: the newer upload is another event).
   */
  openIncoming(key: string, etag: string): Promise<{ stream: Readable; contentType?: string | undefined } | null>;
  /** Idempotent. */
  deleteIncoming(key: string): Promise<void>;
  /** Optional: a time-limited URL that PUTs `incoming/<tenant>/<path>` without credentials. */
  presignIncomingPut?(tenantId: string, path: string, opts?: { expiresSeconds?: number }): Promise<{ url: string; key: string }>;
}
