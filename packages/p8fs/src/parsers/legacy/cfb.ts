import { AppError } from '../../domain/errors.js';

// A minimal reader for OLE compound files (MS-CFB), the container of .doc, .xls and .ppt. It
// reads only root-level streams, which is all the legacy parsers need (WordDocument, Workbook,
// "PowerPoint Document", SummaryInformation). Files are untrusted: every sector number is
// bounds-checked and every chain is cycle-checked, so a hostile file fails with parser.corrupt
// instead of looping or reading out of range.

/** The eight bytes every compound file starts with. */
export const CFB_SIGNATURE = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const HEADER_BYTES = 512;
const DIR_ENTRY_BYTES = 128;
const END_OF_CHAIN = 0xfffffffe;
const FREE_SECTOR = 0xffffffff;
const NO_STREAM = 0xffffffff;
const TYPE_STREAM = 2;
const TYPE_ROOT = 5;

/** Root-level streams of a compound file, by name. */
export interface CompoundFile {
  /** Names of the root-level streams, as stored (case kept). */
  readonly names: readonly string[];
  /** A root-level stream's bytes, or null when there is none of that name (compared case-insensitively, as CFB does). */
  stream(name: string): Buffer | null;
}

export const isCompoundFile = (bytes: Buffer): boolean => bytes.subarray(0, CFB_SIGNATURE.length).equals(CFB_SIGNATURE);

/** The error for a file whose container or records do not hold together. */
export function corrupt(name: string, why: string): AppError {
  return new AppError('parser.corrupt', `cannot read ${name}: ${why}`, { name });
}

/** Open a compound file; throws parser.corrupt when it is not one or its structure is broken. */
export function openCompoundFile(bytes: Buffer, name: string): CompoundFile {
  if (!isCompoundFile(bytes)) throw corrupt(name, 'it is not an OLE compound file (no D0 CF 11 E0 signature)');
  if (bytes.length < HEADER_BYTES) throw corrupt(name, 'the file is truncated inside its header');
  const sectorShift = bytes.readUInt16LE(0x1e);
  const miniShift = bytes.readUInt16LE(0x20);
  if (sectorShift !== 9 && sectorShift !== 12) throw corrupt(name, `unsupported sector size 2^${sectorShift}`);
  if (miniShift !== 6) throw corrupt(name, `unsupported mini sector size 2^${miniShift}`);
  const sectorSize = 1 << sectorShift;
  const sectorCount = Math.floor((bytes.length - HEADER_BYTES) / sectorSize) + ((bytes.length - HEADER_BYTES) % sectorSize === 0 ? 0 : 1);
  // A short last sector is common (writers trim trailing free space); reads past the end are what fail.
  const sector = (id: number): Buffer => {
    if (id >= sectorCount) throw corrupt(name, `sector ${id} lies beyond the end of the file (truncated?)`);
    const start = HEADER_BYTES + id * sectorSize;
    return bytes.subarray(start, Math.min(start + sectorSize, bytes.length));
  };

  const fat = readFat(bytes, sector, sectorSize, sectorCount, name);
  const chain = (start: number, table: Uint32Array, limit: number): number[] => {
    const ids: number[] = [];
    const seen = new Set<number>();
    for (let id = start; id !== END_OF_CHAIN; id = table[id]!) {
      if (id >= limit || id >= table.length || seen.has(id)) throw corrupt(name, 'a sector chain is broken or loops');
      seen.add(id);
      ids.push(id);
    }
    return ids;
  };
  const readChain = (start: number, size: number): Buffer => {
    if (start === END_OF_CHAIN || size === 0) return Buffer.alloc(0);
    const data = Buffer.concat(chain(start, fat, sectorCount).map(sector));
    if (data.length < size) throw corrupt(name, 'a stream is shorter than its directory entry says (truncated?)');
    return data.subarray(0, size);
  };

  const dirStart = bytes.readUInt32LE(0x30);
  const directory = Buffer.concat(chain(dirStart, fat, sectorCount).map(sector));
  const entryCount = Math.floor(directory.length / DIR_ENTRY_BYTES);
  const entry = (i: number): DirEntry => {
    if (i >= entryCount) throw corrupt(name, `directory entry ${i} does not exist`);
    return dirEntry(directory.subarray(i * DIR_ENTRY_BYTES, (i + 1) * DIR_ENTRY_BYTES), sectorShift);
  };
  const root = entry(0);
  if (root.type !== TYPE_ROOT) throw corrupt(name, 'the first directory entry is not the root storage');

  const miniCutoff = bytes.readUInt32LE(0x38);
  let mini: { table: Uint32Array; data: Buffer } | null = null;
  const miniStream = (): { table: Uint32Array; data: Buffer } => {
    if (mini === null) {
      const miniFatStart = bytes.readUInt32LE(0x3c);
      const table = miniFatStart === END_OF_CHAIN ? new Uint32Array(0) : toUint32(Buffer.concat(chain(miniFatStart, fat, sectorCount).map(sector)));
      mini = { table, data: readChain(root.start, root.size) };
    }
    return mini;
  };

  const streams = new Map<string, DirEntry>();
  // The root's children form a red-black tree linked through left/right siblings.
  const pending = [root.child];
  const visited = new Set<number>();
  while (pending.length > 0) {
    const i = pending.pop()!;
    if (i === NO_STREAM) continue;
    if (visited.has(i)) throw corrupt(name, 'the directory tree loops');
    visited.add(i);
    const e = entry(i);
    if (e.type === TYPE_STREAM) streams.set(e.name.toLowerCase(), e);
    pending.push(e.left, e.right);
  }

  return {
    names: [...streams.values()].map((e) => e.name),
    stream(streamName) {
      const e = streams.get(streamName.toLowerCase());
      if (e === undefined) return null;
      if (e.size >= miniCutoff) return readChain(e.start, e.size);
      if (e.size === 0) return Buffer.alloc(0);
      const { table, data } = miniStream();
      const ids = chain(e.start, table, Math.ceil(data.length / 64));
      const out = Buffer.concat(ids.map((id) => data.subarray(id * 64, id * 64 + 64)));
      if (out.length < e.size) throw corrupt(name, `stream ${e.name} is shorter than its directory entry says`);
      return out.subarray(0, e.size);
    },
  };
}

interface DirEntry {
  name: string;
  type: number;
  left: number;
  right: number;
  child: number;
  start: number;
  size: number;
}

function dirEntry(raw: Buffer, sectorShift: number): DirEntry {
  const nameBytes = Math.min(raw.readUInt16LE(0x40), 64);
  // Version 3 files may leave garbage in the size's high half; only version 4 (4 KiB sectors) uses it.
  const high = sectorShift === 12 ? raw.readUInt32LE(0x7c) : 0;
  return {
    name: raw.toString('utf16le', 0, Math.max(0, nameBytes - 2)),
    type: raw[0x42]!,
    left: raw.readUInt32LE(0x44),
    right: raw.readUInt32LE(0x48),
    child: raw.readUInt32LE(0x4c),
    start: raw.readUInt32LE(0x74),
    size: high * 2 ** 32 + raw.readUInt32LE(0x78),
  };
}

/** The sector allocation table, gathered from the header's 109 DIFAT slots and any DIFAT sectors. */
function readFat(bytes: Buffer, sector: (id: number) => Buffer, sectorSize: number, sectorCount: number, name: string): Uint32Array {
  const fatSectors: number[] = [];
  for (let i = 0; i < 109; i++) {
    const id = bytes.readUInt32LE(0x4c + i * 4);
    if (id !== FREE_SECTOR && id !== END_OF_CHAIN) fatSectors.push(id);
  }
  const seen = new Set<number>();
  for (let id = bytes.readUInt32LE(0x44); id !== END_OF_CHAIN && id !== FREE_SECTOR; ) {
    if (seen.has(id) || seen.size > sectorCount) throw corrupt(name, 'the DIFAT chain loops');
    seen.add(id);
    const s = sector(id);
    const perSector = sectorSize / 4 - 1;
    for (let i = 0; i < perSector && i * 4 + 4 <= s.length; i++) {
      const fatId = s.readUInt32LE(i * 4);
      if (fatId !== FREE_SECTOR && fatId !== END_OF_CHAIN) fatSectors.push(fatId);
    }
    id = s.length >= sectorSize ? s.readUInt32LE(sectorSize - 4) : END_OF_CHAIN;
  }
  if (fatSectors.length === 0) throw corrupt(name, 'it has no sector allocation table');
  return toUint32(Buffer.concat(fatSectors.map(sector)));
}

function toUint32(buf: Buffer): Uint32Array {
  const out = new Uint32Array(Math.floor(buf.length / 4));
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}
