import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { BlobLedger, BlobStore, Inbox } from '../../ports/blob-store.js';
import type { DataKeys } from '../../ports/key-wrapper.js';
import { EncryptedBlobStore } from './encrypted-blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { FsInbox } from './fs-inbox.js';
import { S3BlobStore } from './s3-blob-store.js';

/** What encrypts blobs at rest: the data keys and the ledger of how each blob is stored. */
export interface BlobEncryption {
  keys: DataKeys;
  ledger: BlobLedger;
}

/**
 * The configured blob store and its incoming area (storage events), plus what closing it takes.
 * With `encryption` (the app always passes it) every blob goes through EncryptedBlobStore, on the
 * local folder and S3 alike; the incoming area is what other tools write, read as they wrote it.
 */
export async function createBlobStore(config: Config, encryption?: BlobEncryption): Promise<{ blobs: BlobStore; inbox: Inbox; close(): Promise<void> }> {
  const { blobs, inbox, close } = await createPlainStore(config);
  return { blobs: encryption ? new EncryptedBlobStore(blobs, encryption.keys, encryption.ledger) : blobs, inbox, close };
}

async function createPlainStore(config: Config): Promise<{ blobs: BlobStore; inbox: Inbox; close(): Promise<void> }> {
  if (config.blobProvider === 's3') {
    const s3 = new S3BlobStore({
      endpoint: config.s3Endpoint, region: config.s3Region, bucket: config.s3Bucket as string,
      accessKeyId: config.s3AccessKey as string, secretAccessKey: config.s3SecretKey as string,
    });
    try {
      await s3.ensureBucket();
    } catch (err) {
      s3.close();
      throw err;
    }
    return { blobs: s3, inbox: s3, close: async () => s3.close() };
  }
  const dir = config.blobDir ?? join(config.dataDir, 'blobs');
  return { blobs: new FsBlobStore(dir), inbox: new FsInbox(dir), close: async () => {} };
}
