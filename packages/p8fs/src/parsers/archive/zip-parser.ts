import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { ArchiveBudget, refuseTooDeep, stopIfCancelled, tooManyMembers } from './budget.js';
import { ArchiveContents } from './contents.js';
import { isDirectoryName, normaliseMemberPath } from './member-path.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const FILE_TYPES = new Map<number, string>([
  [0o120000, 'symbolic link'],
  [0o020000, 'character device'],
  [0o060000, 'block device'],
  [0o010000, 'named pipe (FIFO)'],
  [0o140000, 'socket'],
]);
const DOS_DIRECTORY = 0x10;
const STORED = 0;
const DEFLATED = 8;

/** ZIP archives, read with yauzl from memory: every member's bytes are counted as they inflate. */
export const zipParser: Parser = {
  id: 'zip',
  version: 1,
  mediaTypes: ['application/zip'],
  extensions: ['.zip'],
  async parse({ bytes, name }, ctx) {
    refuseTooDeep(ctx, name);
    const zip = await open(bytes, name);
    try {
      // The central directory's count only ever refuses early; entries are counted as read too.
      if (zip.entryCount > ctx.limits.maxMembers) throw tooManyMembers(name, ctx.limits.maxMembers);
      const budget = new ArchiveBudget(ctx.limits, name);
      const contents = new ArchiveContents();
      for await (const entry of zip.eachEntry()) {
        stopIfCancelled(ctx, name);
        budget.entry();
        await readEntry(zip, entry, budget, contents);
      }
      return contents.toDocument(name, 'ZIP archive');
    } catch (err) {
      throw asAppError(err, name);
    } finally {
      zip.close();
    }
  },
};

async function open(bytes: Buffer, name: string): Promise<ZipFile> {
  try {
    // decodeStrings off: yauzl would fail the whole archive on one unsafe name; names are checked per member here.
    return await yauzl.fromBufferPromise(bytes, { lazyEntries: true, validateEntrySizes: true, decodeStrings: false });
  } catch (err) {
    throw asAppError(err, name);
  }
}

async function readEntry(zip: ZipFile, entry: Entry, budget: ArchiveBudget, contents: ArchiveContents): Promise<void> {
  // With decodeStrings off the name is raw bytes; decode it as yauzl would (UTF-8 flag, Info-ZIP
  // Unicode path field, else CP437), keeping backslashes for the path check to see.
  const raw = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, true);
  const mode = unixMode(entry);
  if (isDirectoryName(raw) || (mode & S_IFMT) === S_IFDIR || (mode === 0 && (entry.externalFileAttributes & DOS_DIRECTORY) !== 0)) return;
  // CP437 names decode control bytes to glyphs (0x01 reads as a smiley), so look at the raw bytes too.
  if (hasControlByte(entry.fileNameRaw)) return contents.reject(raw, 'archive.unsafe_path', 'its name contains a control character');
  const safe = normaliseMemberPath(raw);
  if (!safe.ok) return contents.reject(raw, safe.code, safe.reason);
  const path = safe.path;
  const special = FILE_TYPES.get(mode & S_IFMT);
  if (special !== undefined) return contents.reject(path, 'archive.link', special);
  if ((mode & S_IFMT) !== 0 && (mode & S_IFMT) !== S_IFREG) return contents.reject(path, 'archive.link', `special file (mode ${(mode & S_IFMT).toString(8)})`);
  if (entry.isEncrypted()) return contents.reject(path, 'parser.encrypted', 'encrypted (password-protected)');
  if (entry.compressionMethod !== STORED && entry.compressionMethod !== DEFLATED) {
    return contents.reject(path, 'archive.unsupported', `compression method ${entry.compressionMethod} is not supported (only stored and deflate)`);
  }
  budget.declared(path, entry.uncompressedSize);
  const meter = budget.meter(path, entry.compressedSize);
  const stream: Readable = await zip.openReadStreamPromise(entry);
  const parts: Buffer[] = [];
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      meter.add(chunk.length);
      parts.push(chunk);
    }
  } finally {
    stream.destroy();
  }
  contents.add(path, Buffer.concat(parts), entry.getLastModDate());
}

const hasControlByte = (name: Buffer): boolean => name.some((b) => b < 0x20 || b === 0x7f);

/** The Unix mode in the high half of the external attributes; 0 where the producer wrote none. */
const unixMode = (entry: Entry): number => (entry.externalFileAttributes >>> 16) & 0xffff;

function asAppError(err: unknown, name: string): AppError {
  if (isAppError(err)) return err;
  const why = errorMessage(err);
  // yauzl refuses PKWARE strong encryption outright, for the whole archive.
  if (/strong encryption/i.test(why)) return new AppError('parser.encrypted', `${name} is encrypted with PKWARE strong encryption, which cannot be read`);
  return new AppError('parser.corrupt', `${name} is not a readable ZIP archive: ${why}`, { cause: why });
}
