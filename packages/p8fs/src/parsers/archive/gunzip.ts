import { createGunzip } from 'node:zlib';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import { RATIO_EXEMPT_BYTES, totalTooLarge, zipBomb } from './budget.js';

/** True when the bytes start with the gzip signature. */
export const isGzip = (bytes: Buffer): boolean => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export interface GunzipLimits {
  /** Name of the file, for messages. */
  name: string;
  /** Most bytes the stream may expand to. */
  maxOutput: number;
  /** Largest expanded/compressed ratio of the whole stream, once past RATIO_EXEMPT_BYTES. */
  maxRatio: number;
}

/**
 * Decompress a gzip stream chunk by chunk, counting the bytes it really expands to (the ISIZE
 * trailer is the size modulo 4 GiB and can lie). Crossing a limit throws at once and destroys the
 * inflater, so a bomb never expands further than one chunk past the limit. A damaged stream throws
 * parser.corrupt. Concatenated gzip members are read as one stream, as gunzip does.
 */
export async function* gunzipBounded(bytes: Buffer, limits: GunzipLimits): AsyncGenerator<Buffer> {
  const gunzip = createGunzip();
  // The input is already in memory; zlib only inflates as fast as the chunks below are consumed.
  gunzip.end(bytes);
  let out = 0;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      out += chunk.length;
      if (out > limits.maxOutput) throw totalTooLarge(limits.name, limits.maxOutput);
      if (out > RATIO_EXEMPT_BYTES && out > limits.maxRatio * bytes.length) throw zipBomb(limits.name, 'the gzip stream', limits.maxRatio);
      yield chunk;
    }
  } catch (err) {
    if (isAppError(err)) throw err;
    throw new AppError('parser.corrupt', `${limits.name} is not a readable gzip file: ${errorMessage(err)}`, { cause: errorMessage(err) });
  } finally {
    gunzip.destroy();
  }
}

/** The original file name a gzip header records (FNAME), or null. */
export function gzipStoredName(bytes: Buffer): string | null {
  const FEXTRA = 0x04;
  const FNAME = 0x08;
  if (!isGzip(bytes) || bytes.length < 10) return null;
  const flags = bytes[3]!;
  if ((flags & FNAME) === 0) return null;
  let at = 10;
  if (flags & FEXTRA) {
    if (bytes.length < 12) return null;
    at += 2 + bytes.readUInt16LE(10);
  }
  const end = bytes.indexOf(0, at);
  // RFC 1952: the name is ISO 8859-1, NUL-terminated.
  return end <= at ? null : bytes.toString('latin1', at, end);
}
