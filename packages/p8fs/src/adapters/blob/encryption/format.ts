import { AppError } from '../../../domain/errors.js';
import { TAG_BYTES } from './xchacha.js';

/**
 * The encrypted blob format, version 1 (decision 0017):
 *
 *   header (48 bytes)
 *     0..6    magic "P8FSENC"
 *     7       format version = 1
 *     8       algorithm = 1 (XChaCha20-Poly1305, STREAM construction)
 *     9..11   reserved, zero
 *     12..15  segment size S, plaintext bytes, u32 big-endian
 *     16..31  data key id (uuid, 16 bytes)
 *     32..47  nonce prefix, 16 random bytes
 *   segments 0..n-1, n = max(1, ceil(P / S)) for P plaintext bytes
 *     each: XChaCha20-Poly1305(ciphertext || 16-byte tag) of S plaintext bytes (the last: 0..S)
 *     nonce = nonce prefix || i as u64 big-endian
 *     associated data = the 48 header bytes || 0x01 for the last segment, 0x00 otherwise
 *
 * Every segment authenticates the whole header and its position, and only the last carries the
 * last flag: truncation at a segment boundary, reordering, and splicing segments of another blob
 * (another prefix or key id) all fail authentication.
 */
export const MAGIC = Buffer.from('P8FSENC', 'ascii');
export const FORMAT_VERSION = 1;
export const ALG_XCHACHA20_POLY1305 = 1;
export const HEADER_BYTES = 48;
export const DEFAULT_SEGMENT_BYTES = 64 * 1024;
export { TAG_BYTES };

export interface BlobHeader {
  segmentBytes: number;
  dataKeyId: string;
  nonce: Uint8Array;
  /** The header as stored (the associated data of every segment). */
  bytes: Buffer;
}

/** A new header for a blob sealed with data key `dataKeyId` and a fresh random prefix. */
export function encodeHeader(dataKeyId: string, nonce: Uint8Array, segmentBytes = DEFAULT_SEGMENT_BYTES): BlobHeader {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b[7] = FORMAT_VERSION;
  b[8] = ALG_XCHACHA20_POLY1305;
  b.writeUInt32BE(segmentBytes, 12);
  uuidBytes(dataKeyId).copy(b, 16);
  Buffer.from(nonce).copy(b, 32);
  return { segmentBytes, dataKeyId, nonce: b.subarray(32, 48), bytes: b };
}

/** Parse a stored header; blob.corrupt for anything that is not a version-1 header. */
export function decodeHeader(b: Uint8Array): BlobHeader {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < HEADER_BYTES || !buf.subarray(0, 7).equals(MAGIC)) throw new AppError('blob.corrupt', 'not an encrypted P8FS blob (bad magic)');
  if (buf[7] !== FORMAT_VERSION || buf[8] !== ALG_XCHACHA20_POLY1305 || buf[9] || buf[10] || buf[11])
    throw new AppError('blob.corrupt', `unsupported encrypted blob format (version ${buf[7]}, algorithm ${buf[8]})`);
  const segmentBytes = buf.readUInt32BE(12);
  if (segmentBytes < 1024 || segmentBytes > 16 * 1024 * 1024) throw new AppError('blob.corrupt', `implausible segment size ${segmentBytes}`);
  const bytes = Buffer.from(buf.subarray(0, HEADER_BYTES));
  return { segmentBytes, dataKeyId: uuidString(bytes.subarray(16, 32)), nonce: bytes.subarray(32, 48), bytes };
}

/** Number of segments of a blob of `size` plaintext bytes (an empty blob has one, empty). */
export const segmentCount = (size: number, seg: number): number => Math.max(1, Math.ceil(size / seg));

/** Stored bytes of a blob of `size` plaintext bytes. */
export const sealedSize = (size: number, seg: number): number => HEADER_BYTES + size + TAG_BYTES * segmentCount(size, seg);

/** Offset of sealed segment i in the stored object. */
export const segmentOffset = (i: number, seg: number): number => HEADER_BYTES + i * (seg + TAG_BYTES);

/** Plaintext bytes in segment i of a blob of `size` bytes. */
export function segmentPlainBytes(i: number, size: number, seg: number): number {
  const n = segmentCount(size, seg);
  return i < n - 1 ? seg : size - (n - 1) * seg;
}

/** The 8 nonce bytes after the prefix: the segment counter, big-endian. */
export function counterTail(i: number): Buffer {
  const t = Buffer.alloc(8);
  t.writeBigUInt64BE(BigInt(i));
  return t;
}

/** Associated data of a segment: header || last flag. */
export const segmentAad = (header: Buffer, last: boolean): Buffer => Buffer.concat([header, Buffer.from([last ? 1 : 0])]);

function uuidBytes(id: string): Buffer {
  const hex = id.replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${id}`);
  return Buffer.from(hex, 'hex');
}

function uuidString(b: Uint8Array): string {
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
