import { join } from 'node:path';
import type { Config } from '../../config/schema.js';
import type { BlobStore, Inbox } from '../../ports/blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { FsInbox } from './fs-inbox.js';
import { S3BlobStore } from './s3-blob-store.js';

/** The configured blob store and its incoming area (storage events), plus what closing it takes. */
export async function createBlobStore(config: Config): Promise<{ blobs: BlobStore; inbox: Inbox; close(): Promise<void> }> {
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
