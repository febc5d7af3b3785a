/** How the bytes of a text file were decoded. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'latin1';

/** Decode text bytes: honour a UTF-8/UTF-16 byte-order mark, else strict UTF-8, else latin1. */
export function decodeText(bytes: Uint8Array): { text: string; encoding: TextEncoding } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  const body = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(body), encoding: 'utf-8' };
  } catch {
    // Not valid UTF-8: legacy 8-bit text. latin1 maps every byte, so nothing is dropped.
    return { text: Buffer.from(body).toString('latin1'), encoding: 'latin1' };
  }
}

/** True when bytes start with a UTF-16 byte-order mark (such text legitimately contains NUL bytes). */
export function hasUtf16Bom(bytes: Uint8Array): boolean {
  return (bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff);
}

/** True when bytes start with a UTF-8 or UTF-16 byte-order mark. */
export function hasTextBom(bytes: Uint8Array): boolean {
  return hasUtf16Bom(bytes) || (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
}
