/**
 * One byte range as a client asks for it, before the size is known (RFC 9110 §14.1.2):
 * `from` is `bytes=a-b` (end inclusive) or `bytes=a-` (no end); `suffix` is `bytes=-n`, the last n bytes.
 */
export type RangeRequest =
  | { kind: 'from'; start: number; end?: number | undefined }
  | { kind: 'suffix'; length: number };

/** Bytes start..end of a representation, both inclusive and both inside it. */
export interface ResolvedRange {
  start: number;
  end: number;
}

/**
 * The bytes a range selects out of `size`, or null when it selects none (HTTP 416): a start at or
 * past the end, a suffix of 0, or any range of an empty file. An end past the last byte, or a suffix
 * longer than the file, is cut to the file, as the RFC asks.
 */
export function resolveRange(req: RangeRequest, size: number): ResolvedRange | null {
  if (size <= 0) return null;
  if (req.kind === 'suffix') return req.length > 0 ? { start: Math.max(0, size - req.length), end: size - 1 } : null;
  if (req.start >= size) return null;
  return { start: req.start, end: Math.min(req.end ?? size - 1, size - 1) };
}
