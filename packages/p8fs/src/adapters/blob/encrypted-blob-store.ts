import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { AppError } from '../../domain/errors.js';
import type { BlobLedger, BlobRecord, BlobStore, ByteRange, StoredBlob } from '../../ports/blob-store.js';
import type { DataKeys } from '../../ports/key-wrapper.js';
import { type BlobHeader, DEFAULT_SEGMENT_BYTES, decodeHeader, encodeHeader, HEADER_BYTES, segmentCount, segmentOffset } from './encryption/format.js';
import { openStream, sealStream, type SegmentSpan, spanOf, splitHead } from './encryption/streams.js';

type Encrypted = BlobRecord & { kind: 'encrypted' };

/**
 * Encryption at rest over any BlobStore (decision 0017): every put is sealed with the tenant's
 * active data key as it streams into the inner store, every get is opened segment by segment.
 *
 * - size and sha256 of what put returns are the plaintext's (files.size, content_hash, dedup); the
 *   key is the inner store's content address of the ciphertext, random per write.
 * - How a blob is stored comes from the ledger (the `blobs` table), never from the bytes: a blob
 *   recorded as plaintext (written before encryption at rest) is passed through until the
 *   encryption job rewrites it; anything else must open under the recorded key and nonce.
 * - presignGet is left out: a URL to the object would hand out ciphertext. Downloads go through
 *   the server, which decrypts.
 */
export class EncryptedBlobStore implements BlobStore {
  // Verified headers with their records, per blob: a ranged read then needs no ledger query and no
  // header request. Safe to keep: an encrypted blob never changes under its name (the name is the
  // ciphertext's hash), and every segment opened still authenticates against these header bytes.
  private readonly verified = new Map<string, { rec: Encrypted; header: BlobHeader }>();

  constructor(
    private readonly inner: BlobStore,
    private readonly keys: DataKeys,
    private readonly ledger: BlobLedger,
    private readonly segmentBytes = DEFAULT_SEGMENT_BYTES,
  ) {}

  async put(tenantId: string, body: Readable | AsyncIterable<Uint8Array>, opts: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const dk = await this.keys.active(tenantId);
    const header = encodeHeader(dk.id, randomBytes(16), this.segmentBytes);
    const hash = createHash('sha256');
    const max = opts.maxBytes ?? Number.POSITIVE_INFINITY;
    let size = 0;
    // The limit is on the plaintext, as before; the inner store sees only ciphertext.
    const plain = (async function* () {
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > max) throw new AppError('file.too_large', `upload exceeds the limit of ${max} bytes`);
        hash.update(chunk);
        yield chunk;
      }
    })();
    const stored = await this.inner.put(tenantId, Readable.from(sealStream(plain, dk.key, header)));
    try {
      await this.ledger.record(tenantId, stored.key, { kind: 'encrypted', dataKeyId: dk.id, nonce: header.nonce, size });
    } catch (err) {
      await this.inner.delete(tenantId, stored.key).catch(() => {});
      throw err;
    }
    return { key: stored.key, size, sha256: hash.digest('hex') };
  }

  async get(tenantId: string, key: string, range?: ByteRange): Promise<Readable> {
    const known = this.verified.get(`${tenantId}/${key}`);
    const rec = known?.rec ?? (await this.record(tenantId, key));
    if (rec.kind === 'plaintext') return this.inner.get(tenantId, key, range);
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? rec.size - 1, rec.size - 1);
    if (start < 0 || (rec.size > 0 && start >= rec.size) || (range && end < start))
      throw new AppError('validation_failed', `range not satisfiable for ${key}`);
    const dkP = this.keys.get(tenantId, rec.dataKeyId);
    dkP.catch(() => {}); // awaited below; an early failure elsewhere must not leave it unhandled
    let header: BlobHeader;
    let stored: Readable;
    let sealed: AsyncIterable<Uint8Array>;
    let span: SegmentSpan;
    if (start === 0 && end === rec.size - 1) {
      // The whole blob: one request, header included, to the end of the object (so appended bytes are noticed).
      stored = await this.inner.get(tenantId, key).catch(truncatedIfUnsatisfiable);
      try {
        const split = await splitHead(stored, HEADER_BYTES);
        header = this.checkHeader(key, rec, split.head);
        sealed = split.rest;
        span = spanOf(rec.size, header.segmentBytes, start, end);
      } catch (err) {
        stored.destroy();
        throw err;
      }
    } else {
      // A range: the header (segment size, nonce), then only the sealed segments the range needs.
      header = known?.header ?? (await this.header(tenantId, key, rec));
      const seg = header.segmentBytes;
      span = spanOf(rec.size, seg, start, end);
      const toEnd = span.last === segmentCount(rec.size, seg) - 1;
      const from = segmentOffset(span.first, seg);
      stored = await this.inner.get(tenantId, key, toEnd ? { start: from } : { start: from, end: segmentOffset(span.last + 1, seg) - 1 })
        .catch(truncatedIfUnsatisfiable);
      sealed = stored;
    }
    const dk = await dkP.catch((err) => {
      stored.destroy();
      throw err;
    });
    const plain = openStream(sealed, dk.key, header, span);
    // Open the first segment before answering: a tampered or truncated small blob fails here, with
    // its code, instead of after a download has started.
    const first = await plain.next().catch((err) => {
      stored.destroy();
      throw err;
    });
    this.remember(tenantId, key, rec, header);
    return Readable.from((async function* () {
      if (!first.done) yield first.value;
      yield* plain;
    })());
  }

  async read(tenantId: string, key: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const c of await this.get(tenantId, key)) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  exists(tenantId: string, key: string): Promise<boolean> {
    return this.inner.exists(tenantId, key);
  }

  async delete(tenantId: string, key: string): Promise<void> {
    // Object first: a crash in between leaves a record without an object (reads say not found),
    // never an object read without its record.
    this.verified.delete(`${tenantId}/${key}`);
    await this.inner.delete(tenantId, key);
    await this.ledger.forget(tenantId, key);
  }

  private async record(tenantId: string, key: string): Promise<BlobRecord> {
    const rec = await this.ledger.find(tenantId, key);
    // No record: never written through this store (or deleted). Not served, whatever the object holds.
    if (!rec) throw new AppError('file.not_found', `blob ${key} is not recorded in this vault`);
    return rec;
  }

  private remember(tenantId: string, key: string, rec: Encrypted, header: BlobHeader): void {
    const k = `${tenantId}/${key}`;
    this.verified.delete(k);
    this.verified.set(k, { rec, header });
    if (this.verified.size > 4096) this.verified.delete(this.verified.keys().next().value as string);
  }

  /** The stored header, checked against the record. */
  private async header(tenantId: string, key: string, rec: Encrypted): Promise<BlobHeader> {
    const chunks: Buffer[] = [];
    const stream = await this.inner.get(tenantId, key, { start: 0, end: HEADER_BYTES - 1 }).catch(truncatedIfUnsatisfiable);
    for await (const c of stream) chunks.push(c as Buffer);
    return this.checkHeader(key, rec, Buffer.concat(chunks));
  }

  /** Same data key, same nonce prefix as recorded: the object is the one written under this name. */
  private checkHeader(key: string, rec: Encrypted, bytes: Buffer): BlobHeader {
    const header = decodeHeader(bytes);
    if (header.dataKeyId !== rec.dataKeyId || !Buffer.from(header.nonce).equals(Buffer.from(rec.nonce)))
      throw new AppError('blob.corrupt', `blob ${key} does not carry the header recorded for it (replaced or swapped)`);
    return header;
  }
}

/** Our ranges come from the record: a store that cannot satisfy one holds a shorter object than was written. */
function truncatedIfUnsatisfiable(err: unknown): never {
  if (err instanceof AppError && err.code === 'validation_failed') throw new AppError('blob.corrupt', 'encrypted blob is truncated');
  throw err;
}
