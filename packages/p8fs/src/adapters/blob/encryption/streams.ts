import { AppError } from '../../../domain/errors.js';
import { type BlobHeader, counterTail, segmentAad, segmentCount, segmentPlainBytes, TAG_BYTES } from './format.js';
import { XChaChaPrefix } from './xchacha.js';

/**
 * Seal a plaintext stream: the header, then one sealed segment per `segmentBytes` of plaintext. A
 * full segment is held back until the next byte arrives, so the last one (and only it) carries the
 * last flag. Memory: one segment, whatever the blob's size.
 */
export async function* sealStream(source: AsyncIterable<Uint8Array>, key: Uint8Array, header: BlobHeader): AsyncGenerator<Buffer> {
  const cipher = new XChaChaPrefix(key, header.nonce);
  const size = header.segmentBytes;
  const seg = Buffer.allocUnsafe(size);
  const middle = segmentAad(header.bytes, false);
  // Sealed segments leave in batches of about 1 MiB: a 64 KiB write per segment costs the inner
  // store's pipeline (hashing, write calls) several times what the cipher does.
  let batch: Buffer[] = [header.bytes];
  let batched = header.bytes.length;
  let fill = 0;
  let i = 0;
  try {
    for await (const chunk of source) {
      let off = 0;
      while (off < chunk.byteLength) {
        if (fill === size) {
          const sealed = cipher.seal(counterTail(i++), seg, middle);
          batch.push(sealed);
          batched += sealed.length;
          fill = 0;
          if (batched >= BATCH_BYTES) {
            yield Buffer.concat(batch, batched);
            batch = [];
            batched = 0;
          }
        }
        const n = Math.min(size - fill, chunk.byteLength - off);
        seg.set(chunk.subarray(off, off + n), fill);
        fill += n;
        off += n;
      }
    }
    batch.push(cipher.seal(counterTail(i), seg.subarray(0, fill), segmentAad(header.bytes, true)));
    yield Buffer.concat(batch);
  } finally {
    seg.fill(0);
  }
}

const BATCH_BYTES = 1024 * 1024;

/** Which plaintext bytes to return, both inclusive, and which segments hold them. */
export interface SegmentSpan {
  /** Plaintext bytes of the whole blob (from the blob's record). */
  size: number;
  start: number;
  end: number;
  first: number;
  last: number;
}

/** The segments that hold plaintext bytes start..end of a blob of `size` bytes. */
export function spanOf(size: number, segmentBytes: number, start: number, end: number): SegmentSpan {
  const lastSeg = segmentCount(size, segmentBytes) - 1;
  const first = Math.min(Math.floor(start / segmentBytes), lastSeg);
  // An empty blob still has its one (empty, last) segment to authenticate.
  return { size, start, end, first, last: Math.max(first, Math.min(Math.floor(end / segmentBytes), lastSeg)) };
}

/**
 * Open sealed segments span.first..span.last, read from `sealed` (exactly those stored bytes), and
 * yield the plaintext bytes span.start..span.end. A segment's bytes leave only after its tag
 * checked; a stream that ends early or runs long is blob.corrupt.
 */
export async function* openStream(sealed: AsyncIterable<Uint8Array>, key: Uint8Array, header: BlobHeader, span: SegmentSpan): AsyncGenerator<Buffer> {
  const cipher = new XChaChaPrefix(key, header.nonce);
  const seg = header.segmentBytes;
  const lastOfBlob = segmentCount(span.size, seg) - 1;
  const queue = new ByteQueue();
  const source = sealed[Symbol.asyncIterator]();
  let ended = false;
  // Plaintext leaves in batches of about 1 MiB (authenticated segments only), as sealStream writes.
  let out: Buffer[] = [];
  let outBytes = 0;
  for (let i = span.first; i <= span.last; i++) {
    const want = segmentPlainBytes(i, span.size, seg) + TAG_BYTES;
    while (queue.length < want && !ended) {
      const r = await source.next();
      if (r.done) ended = true;
      else queue.push(r.value);
    }
    const bytes = queue.take(want);
    if (!bytes) throw new AppError('blob.corrupt', `encrypted blob is truncated (segment ${i} of ${lastOfBlob + 1} is incomplete)`);
    const plain = cipher.open(counterTail(i), bytes, segmentAad(header.bytes, i === lastOfBlob));
    const base = i * seg;
    const from = Math.max(span.start - base, 0);
    const to = Math.min(span.end - base + 1, plain.length);
    if (to > from) {
      out.push(plain.subarray(from, to));
      outBytes += to - from;
    }
    if (outBytes >= BATCH_BYTES) {
      yield out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, outBytes);
      out = [];
      outBytes = 0;
    }
  }
  // The whole blob was asked for: bytes after the last segment mean the object is not what was stored
  // (checked before the last batch leaves).
  if (span.last === lastOfBlob) {
    if (queue.length > 0) throw new AppError('blob.corrupt', 'encrypted blob is longer than recorded');
    while (!ended) {
      const r = await source.next();
      if (r.done) ended = true;
      else if (r.value.byteLength > 0) throw new AppError('blob.corrupt', 'encrypted blob is longer than recorded');
    }
  } else {
    await source.return?.();
  }
  if (outBytes > 0) yield out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out, outBytes);
}

/** FIFO of byte chunks that hands out exact-length slices. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  /** Exactly n bytes from the front, or null when fewer are queued. */
  take(n: number): Buffer | null {
    if (this.length < n) return null;
    const head = this.chunks[0] as Uint8Array;
    if (head.byteLength >= n) {
      // Within one chunk: a view, no copy.
      const view = Buffer.from(head.buffer, head.byteOffset, n);
      if (head.byteLength === n) this.chunks.shift();
      else this.chunks[0] = head.subarray(n);
      this.length -= n;
      return view;
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[0] as Uint8Array;
      const k = Math.min(c.byteLength, n - filled);
      out.set(c.subarray(0, k), filled);
      filled += k;
      if (k === c.byteLength) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    this.length -= n;
    return out;
  }
}

/** The first n bytes of a stream (fewer only if it ends first), and the rest of it. */
export async function splitHead(stream: AsyncIterable<Uint8Array>, n: number): Promise<{ head: Buffer; rest: AsyncIterable<Uint8Array> }> {
  const it = stream[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let have = 0;
  while (have < n) {
    const r = await it.next();
    if (r.done) break;
    parts.push(r.value);
    have += r.value.byteLength;
  }
  const all = Buffer.concat(parts);
  const tail = all.subarray(Math.min(n, all.length));
  const rest = (async function* () {
    if (tail.length > 0) yield tail;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  return { head: all.subarray(0, Math.min(n, all.length)), rest };
}
