import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../../domain/errors.js';
import type { BlobStore, ByteRange, IncomingObject, Inbox, StoredBlob } from '../../ports/blob-store.js';
import { assertBlobKey, blobKey, INCOMING_PREFIX, incomingKey, isTenantId, parseIncomingKey } from './keys.js';
import { copyObject, MAX_SINGLE_COPY } from './s3-copy.js';

export interface S3Options {
  /** http(s)://host:port of an S3-compatible server; unset = AWS. Path-style addressing always. */
  endpoint?: string | undefined;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  bucket: string;
  /** Attempts per request, with the SDK's standard retry mode (backoff, retry quota). */
  maxAttempts?: number;
  /** Multipart upload part size (>= 5 MiB); memory per upload is about 4 parts. */
  partBytes?: number;
  /** Copies above this size are multipart copies (S3 allows at most 5 GiB in one CopyObject). */
  copyPartBytes?: number;
}

const DAY = 86_400;
const quoteless = (etag: string | undefined) => (etag ?? '').replace(/"/g, '');
const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const missing = (e: unknown) => status(e) === 404 || ['NoSuchKey', 'NotFound'].includes((e as Error).name);

/**
 * BlobStore (and Inbox) over any S3-compatible server.
 *
 * put: the content-addressed key is known only once the last byte is hashed, so the bytes stream
 * (lib-storage multipart, hashed and counted on the way) to tenants/<t>/tmp/<uuid>, then a
 * server-side copy puts them at the final key (skipped when that content is already stored) and
 * the temp object is deleted. Past maxBytes the stream errors, lib-storage aborts the multipart
 * upload and nothing was completed, so nothing stays behind. A crash between copy and delete
 * leaves a temp object; a bucket lifecycle rule on tenants/* /tmp/ (1 day) sweeps those.
 */
export class S3BlobStore implements BlobStore, Inbox {
  readonly client: S3Client;
  readonly bucket: string;

  constructor(private readonly o: S3Options) {
    this.bucket = o.bucket;
    this.client = new S3Client({
      endpoint: o.endpoint, region: o.region, forcePathStyle: true,
      credentials: { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey },
      retryMode: 'standard', maxAttempts: o.maxAttempts ?? 4,
      // Only the checksums S3 demands: S3-compatible servers (Ceph RGW Pacific) lack the newer
      // CRC trailers, and presigned URLs must not carry checksum parameters a plain PUT cannot meet.
      requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Create the bucket when it does not exist yet (dev and tests; production buckets are provisioned). */
  async ensureBucket(): Promise<void> {
    const there = await this.client.send(new HeadBucketCommand({ Bucket: this.bucket })).then(() => true, (e) => (missing(e) ? false : Promise.reject(e)));
    if (!there) await this.client.send(new CreateBucketCommand({ Bucket: this.bucket })).catch((e: Error) => {
      if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
  }

  async put(tenantId: string, body: Readable | AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<StoredBlob> {
    if (!isTenantId(tenantId)) throw new AppError('forbidden', 'not a tenant id');
    const tmp = `tenants/${tenantId}/tmp/${randomUUID()}`;
    const hash = createHash('sha256');
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    let size = 0;
    const counted = Readable.from((async function* () {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) throw new AppError('file.too_large', `upload exceeds the limit of ${max} bytes`);
        hash.update(chunk);
        yield chunk;
      }
    })());
    const upload = new Upload({
      client: this.client, params: { Bucket: this.bucket, Key: tmp, Body: counted },
      partSize: this.o.partBytes ?? 8 * 1024 * 1024, queueSize: 4, leavePartsOnError: false,
    });
    try {
      await upload.done();
      const sha256 = hash.digest('hex');
      const key = blobKey(tenantId, sha256);
      if (!(await this.exists(tenantId, key))) await copyObject(this.client, this.bucket, tmp, key, size, this.o.copyPartBytes ?? MAX_SINGLE_COPY);
      return { key, size, sha256 };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmp })).catch(() => {});
    }
  }

  async get(tenantId: string, key: string, range?: ByteRange): Promise<Readable> {
    assertBlobKey(tenantId, key);
    const Range = range ? `bytes=${range.start}-${range.end ?? ''}` : undefined;
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range })).catch((e) => this.fail(e, key));
    return res.Body as Readable;
  }

  async read(tenantId: string, key: string): Promise<Buffer> {
    assertBlobKey(tenantId, key);
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })).catch((e) => this.fail(e, key));
    return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
  }

  async exists(tenantId: string, key: string): Promise<boolean> {
    assertBlobKey(tenantId, key);
    return this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })).then(() => true, (e) => (missing(e) ? false : Promise.reject(e)));
  }

  async delete(tenantId: string, key: string): Promise<void> {
    assertBlobKey(tenantId, key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async presignGet(tenantId: string, key: string, opts: { expiresSeconds?: number } = {}): Promise<string> {
    assertBlobKey(tenantId, key);
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: Math.min(opts.expiresSeconds ?? 900, 7 * DAY) });
  }

  // ---- Inbox: incoming/<tenant>/<path> ----

  async listIncoming(opts: { after?: string | undefined; limit?: number | undefined } = {}): Promise<IncomingObject[]> {
    let after = opts.after;
    for (;;) {
      const res = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: INCOMING_PREFIX, StartAfter: after, MaxKeys: opts.limit ?? 1000 }));
      const out: IncomingObject[] = [];
      for (const o of res.Contents ?? []) {
        const parsed = o.Key ? parseIncomingKey(o.Key) : null;
        if (parsed) out.push({ key: o.Key as string, ...parsed, etag: quoteless(o.ETag), modified: o.LastModified ?? new Date(0), size: o.Size ?? 0 });
      }
      // A page of folder markers only: keep going, so an empty answer always means the end.
      after = res.Contents?.at(-1)?.Key;
      if (out.length > 0 || !res.IsTruncated || !after) return out;
    }
  }

  async statIncoming(key: string): Promise<IncomingObject | null> {
    const parsed = parseIncomingKey(key);
    if (!parsed) return null;
    const h = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })).catch((e) => (missing(e) ? null : Promise.reject(e)));
    return h && { key, ...parsed, etag: quoteless(h.ETag), modified: h.LastModified ?? new Date(0), size: h.ContentLength ?? 0 };
  }

  async openIncoming(key: string, etag: string) {
    // If-Match: a newer upload of the key since it was listed is another event, not this one.
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, IfMatch: `"${etag}"` }))
      .catch((e) => (missing(e) || status(e) === 412 ? null : Promise.reject(e)));
    return res && { stream: res.Body as Readable, contentType: res.ContentType };
  }

  async deleteIncoming(key: string): Promise<void> {
    if (!key.startsWith(INCOMING_PREFIX)) throw new AppError('forbidden', 'not an incoming key');
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async presignIncomingPut(tenantId: string, path: string, opts: { expiresSeconds?: number } = {}): Promise<{ url: string; key: string }> {
    const key = incomingKey(tenantId, path);
    const url = await getSignedUrl(this.client, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: Math.min(opts.expiresSeconds ?? 900, 7 * DAY) });
    return { url, key };
  }

  close(): void {
    this.client.destroy();
  }

  private fail(e: unknown, key: string): never {
    if (missing(e)) throw new AppError('file.not_found', `blob ${key} is missing from the store`);
    if (status(e) === 416) throw new AppError('validation_failed', `range not satisfiable for ${key}`);
    throw e;
  }
}
