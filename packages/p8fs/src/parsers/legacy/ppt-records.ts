// PowerPoint 97-2003 binary records ([MS-PPT]): the "PowerPoint Document" stream is a tree of
// records, each an 8-byte header (version/instance, type, length) and a body; version 0xF marks a
// container whose body is more records. Text lives in TextCharsAtom (UTF-16) and TextBytesAtom
// (one byte per character) records inside slide drawings and the document's slide lists.

export const RT = {
  document: 0x03e8,
  slide: 0x03ee,
  slideAtom: 0x03ef,
  notes: 0x03f0,
  slidePersistAtom: 0x03f3,
  outlineTextRefAtom: 0x0f9e,
  textHeaderAtom: 0x0f9f,
  textCharsAtom: 0x0fa0,
  textBytesAtom: 0x0fa8,
  slideListWithText: 0x0ff0,
  userEditAtom: 0x0ff5,
  currentUserAtom: 0x0ff6,
  persistDirectoryAtom: 0x1772,
} as const;

export interface PptRecord {
  type: number;
  instance: number;
  /** Offset of the body in the stream. */
  start: number;
  /** Offset just past the body (clamped to the stream). */
  end: number;
  container: boolean;
}

const HEADER = 8;

/** The record whose header starts at offset, or null when none fits there. */
export function recordAt(stream: Buffer, offset: number): PptRecord | null {
  if (offset < 0 || offset + HEADER > stream.length) return null;
  const verInst = stream.readUInt16LE(offset);
  const start = offset + HEADER;
  return {
    type: stream.readUInt16LE(offset + 2),
    instance: verInst >> 4,
    start,
    end: Math.min(start + stream.readUInt32LE(offset + 4), stream.length),
    container: (verInst & 0x0f) === 0x0f,
  };
}

/** The direct children of a container record. */
export function children(stream: Buffer, parent: PptRecord): PptRecord[] {
  const out: PptRecord[] = [];
  for (let at = parent.start; at + HEADER <= parent.end; ) {
    const r = recordAt(stream, at);
    if (r === null) break;
    out.push(r);
    // r.end is at least at + HEADER, so the walk always moves forward.
    at = r.end;
  }
  return out;
}

/** A text atom's text; null for any other record. */
export function atomText(stream: Buffer, r: PptRecord): string | null {
  if (r.type === RT.textCharsAtom) return stream.toString('utf16le', r.start, r.end - ((r.end - r.start) % 2));
  if (r.type === RT.textBytesAtom) return stream.toString('latin1', r.start, r.end);
  return null;
}

/** Text types a TextHeaderAtom gives the text after it ([MS-PPT] 2.13.33 TextTypeEnum). */
export const TEXT_TYPE = { title: 0, body: 1, notes: 2, other: 4, centerTitle: 6 } as const;
