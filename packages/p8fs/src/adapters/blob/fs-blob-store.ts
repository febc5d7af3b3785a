import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../domain/errors.js';
import type { BlobStore, ByteRange, StoredBlob } from '../../ports/blob-store.js';
import { assertBlobKey, blobKey } from './keys.js';

export { blobKey };

/** BlobStore over a local folder. Writes stream to a temp file, then rename into place. */
export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {}

  async put(tenantId: string, body: Readable | AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const tmpDir = join(this.root, 'tmp');
    await mkdir(tmpDir, { recursive: true });
    const tmp = join(tmpDir, randomUUID());
    const hash = createHash('sha256');
    let size = 0;
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    // Open before streaming: a lazily opened write stream can create the temp file after an early
    // error was already cleaned up (a first chunk over the limit), leaving an orphan behind.
    const handle = await open(tmp, 'wx');
    try {
      await pipeline(
        body,
        async function* (source: AsyncIterable<Uint8Array>) {
          for await (const chunk of source) {
            size += chunk.byteLength;
            if (size > max) throw new AppError('file.too_large', `upload exceeds the limit of ${max} bytes`);
            hash.update(chunk);
            yield chunk;
          }
        },
        handle.createWriteStream(),
      );
      const sha256 = hash.digest('hex');
      const key = blobKey(tenantId, sha256);
      const dest = this.path(tenantId, key);
      await mkdir(dirname(dest), { recursive: true });
      // Same content already stored: the rename simply replaces identical bytes.
      await rename(tmp, dest);
      return { key, size, sha256 };
    } catch (err) {
      await handle.close().catch(() => {});
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async get(tenantId: string, key: string, range?: ByteRange): Promise<Readable> {
    const p = this.path(tenantId, key);
    await this.mustExist(p, key);
    return createReadStream(p, range ? { start: range.start, end: range.end } : {});
  }

  async read(tenantId: string, key: string): Promise<Buffer> {
    const p = this.path(tenantId, key);
    await this.mustExist(p, key);
    return readFile(p);
  }

  async exists(tenantId: string, key: string): Promise<boolean> {
    return access(this.path(tenantId, key)).then(
      () => true,
      () => false,
    );
  }

  async delete(tenantId: string, key: string): Promise<void> {
    await rm(this.path(tenantId, key), { force: true });
  }

  /** Map a key to a path, refusing keys of other tenants and anything that is not a blob key. */
  private path(tenantId: string, key: string): string {
    assertBlobKey(tenantId, key);
    const p = resolve(this.root, key);
    if (!p.startsWith(resolve(this.root) + sep)) throw new AppError('forbidden', 'blob key escapes the store');
    return p;
  }

  private async mustExist(p: string, key: string): Promise<void> {
    try {
      await access(p);
    } catch {
      throw new AppError('file.not_found', `blob ${key} is missing from the store`);
    }
  }
}
