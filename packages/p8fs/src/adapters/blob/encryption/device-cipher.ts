import { randomBytes } from 'node:crypto';
import { AppError } from '../../../domain/errors.js';
import type { SealedBlobCipher } from '../../../ports/sealed-blob.js';
import { DEFAULT_SEGMENT_BYTES, decodeHeader, encodeHeader, HEADER_BYTES, sealedSize, TAG_BYTES } from './format.js';
import { openStream, sealStream, spanOf, splitHead } from './streams.js';

/**
 * The device side of an end-to-end vault seals blobs in the same STREAM format as encryption at rest
 * (decision 0017): the header's key-id slot holds the blob's id, so a blob stored under another id
 * fails, and each blob has its own random key (carried in the sealed record that names it).
 */
export const deviceBlobCipher: SealedBlobCipher = {
  seal(plain, key, id) {
    return sealStream(plain, key, encodeHeader(id, randomBytes(16)));
  },

  async *open(sealed, key, id, plainSize) {
    const { head, rest } = await splitHead(sealed, HEADER_BYTES);
    if (head.length < HEADER_BYTES) throw new AppError('blob.corrupt', 'sealed blob is shorter than its header');
    const header = decodeHeader(head);
    if (header.dataKeyId !== id) throw new AppError('blob.corrupt', `sealed blob ${id} carries the header of another blob`);
    yield* openStream(rest, key, header, spanOf(plainSize, header.segmentBytes, 0, Math.max(0, plainSize - 1)));
  },

  sealedSize: (plainSize) => sealedSize(plainSize, DEFAULT_SEGMENT_BYTES),

  plainSize(stored) {
    const seg = DEFAULT_SEGMENT_BYTES;
    const segments = Math.max(1, Math.ceil((stored - HEADER_BYTES) / (seg + TAG_BYTES)));
    return stored - HEADER_BYTES - TAG_BYTES * segments;
  },
};
