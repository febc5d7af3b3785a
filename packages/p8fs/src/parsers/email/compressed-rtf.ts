import { createRequire } from 'node:module';

// Outlook keeps many message bodies only as compressed RTF (PidTagRtfCompressed, [MS-OXRTFCP]).
// The format is a small LZ77 variant; decoding it here, with an output cap, avoids depending on an
// undeclared transitive package and bounds what a hostile header can make us allocate.

const COMPRESSED = 0x75465a4c; // 'LZFu'
const UNCOMPRESSED = 0x414c454d; // 'MELA'
const HEADER_BYTES = 16;
const DICTIONARY_SIZE = 4096;
// [MS-OXRTFCP] 2.1.2.1: the dictionary starts filled with this RTF preamble (207 bytes).
const PRELOAD = Buffer.from(
  '{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx',
  'latin1',
);

/** Decompress PidTagRtfCompressed to RTF bytes, producing at most maxBytes. Throws on a malformed stream. */
export function decompressRtf(input: Uint8Array, maxBytes: number): Buffer {
  if (input.length < HEADER_BYTES) throw new Error('compressed RTF is shorter than its 16-byte header');
  const view = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const compSize = view.readUInt32LE(0);
  const rawSize = view.readUInt32LE(4);
  const type = view.readUInt32LE(8);
  if (type === UNCOMPRESSED) return Buffer.from(view.subarray(HEADER_BYTES, HEADER_BYTES + Math.min(rawSize, maxBytes)));
  if (type !== COMPRESSED) throw new Error(`compressed RTF has an unknown type 0x${type.toString(16)}`);
  // compSize counts from after its own field, so the data ends at compSize + 4.
  const end = Math.min(view.length, compSize + 4);
  const limit = Math.min(rawSize, maxBytes);
  const dictionary = Buffer.alloc(DICTIONARY_SIZE);
  PRELOAD.copy(dictionary);
  let write = PRELOAD.length;
  const out = Buffer.alloc(limit);
  let produced = 0;
  let pos = HEADER_BYTES;
  const emit = (byte: number) => {
    dictionary[write] = byte;
    write = (write + 1) % DICTIONARY_SIZE;
    if (produced < limit) out[produced] = byte;
    produced++;
  };
  while (pos < end && produced < limit) {
    const control = view[pos++]!;
    for (let bit = 0; bit < 8 && pos < end && produced < limit; bit++) {
      if ((control & (1 << bit)) === 0) {
        emit(view[pos++]!);
        continue;
      }
      if (pos + 1 >= end) throw new Error('compressed RTF ends inside a back-reference');
      const token = view.readUInt16BE(pos);
      pos += 2;
      let read = token >> 4;
      // A reference to the current write position marks the end of the stream.
      if (read === write) return out.subarray(0, Math.min(produced, limit));
      const length = (token & 0xf) + 2;
      for (let i = 0; i < length; i++) {
        emit(dictionary[read]!);
        read = (read + 1) % DICTIONARY_SIZE;
      }
    }
  }
  return out.subarray(0, Math.min(produced, limit));
}

type RtfToHtml = { fromString(rtf: string, cb: (err: Error | null, html: string) => void): void };
// A CommonJS package without type declarations; typed here for the one call made.
const rtfToHtml = createRequire(import.meta.url)('@iarna/rtf-to-html') as RtfToHtml;

/** RTF text to HTML (Outlook's encapsulated-HTML RTF included, rendered as its RTF text). */
export function rtfToHtmlString(rtf: string): Promise<string> {
  return new Promise((resolve, reject) => rtfToHtml.fromString(rtf, (err, html) => (err ? reject(err) : resolve(html))));
}
