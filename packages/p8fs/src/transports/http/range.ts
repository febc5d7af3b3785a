import type { RangeRequest } from '../../domain/byte-range.js';

const SPEC = /^(\d*)-(\d*)$/;

/**
 * The one byte range a `Range` header asks for (RFC 9110 §14.2), or null to serve the whole file.
 *
 * Null also for a header we choose to ignore, which the RFC allows (a server MAY ignore Range):
 * a malformed one, another unit, or several ranges. Multipart/byteranges answers would buy clients
 * little (players and resumed downloads ask for one range) and cost a second streaming path.
 * A well-formed range the file cannot satisfy is not null: it is answered with 416.
 */
export function parseRange(header: string | undefined): RangeRequest | null {
  if (header === undefined) return null;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  // A list may hold empty elements ("0-9, ,"): recipients skip them (RFC 9110 §5.6.1.2).
  const specs = header.slice(eq + 1).split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (specs.length !== 1) return null;
  const m = SPEC.exec(specs[0] as string);
  if (!m) return null;
  const [, first = '', last = ''] = m;
  if (first === '') return last === '' ? null : { kind: 'suffix', length: toInt(last) };
  if (last === '') return { kind: 'from', start: toInt(first) };
  // Compared exactly: digits past 2^53 must not round into a valid-looking range.
  if (BigInt(first) > BigInt(last)) return null;
  return { kind: 'from', start: toInt(first), end: toInt(last) };
}

/** Digits as a number; past 2^53 it only needs to stay larger than any file, so it is capped there. */
function toInt(digits: string): number {
  return Math.min(Number(digits), Number.MAX_SAFE_INTEGER);
}

/**
 * The range to serve for a request's Range and If-Range headers. This route sends no validator (no
 * ETag, no Last-Modified), so no If-Range can match one of ours, and a mismatch must serve the
 * whole file (RFC 9110 §13.1.5): a file replaced under the same id must not be resumed with its new bytes.
 */
export function requestedRange(range: string | undefined, ifRange: string | undefined): RangeRequest | null {
  return ifRange === undefined ? parseRange(range) : null;
}
