import { Parser as TarStreamParser, type ReadEntry } from 'tar';
import { AppError, errorMessage, isAppError } from '../../domain/errors.js';
import type { ParseContext } from '../../ports/parser.js';
import type { ArchiveBudget } from './budget.js';
import type { ArchiveContents } from './contents.js';
import { isDirectoryName, normaliseMemberPath } from './member-path.js';

const BLOCK = 512;
const USTAR_MAGIC = Buffer.from('ustar');
const REGULAR = new Set(['File', 'OldFile', 'ContiguousFile']);
const DIRECTORY = new Set(['Directory', 'GNUDumpDir']);
const LINK_REASONS: Record<string, string> = {
  SymbolicLink: 'symbolic link',
  Link: 'hard link',
  CharacterDevice: 'character device',
  BlockDevice: 'block device',
  FIFO: 'named pipe (FIFO)',
};
// Headers, PAX records and padding per member, so a tar.gz's stream limit is the member limit plus
// its framing. Long PAX headers beyond this make the stream hit the limit, which is the point.
export const TAR_FRAMING_BYTES_PER_MEMBER = 4 * BLOCK;

/**
 * True when a first block is a tar header: the POSIX 'ustar' magic at 257, or (for pre-POSIX v7
 * archives, which have no magic) a name and a header checksum that adds up.
 */
export function looksLikeTar(head: Buffer): boolean {
  if (head.length < BLOCK) return false;
  if (head.subarray(257, 262).equals(USTAR_MAGIC)) return true;
  if (head[0] === 0) return false;
  const stored = Number.parseInt(head.toString('latin1', 148, 156).replace(/[\0 ]+$/g, '').trim(), 8);
  if (!Number.isFinite(stored)) return false;
  let sum = 0;
  // The checksum is computed with its own eight bytes read as spaces.
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : head[i]!;
  return sum === stored;
}

/**
 * Read a tar stream (already decompressed) member by member with the tar package's streaming
 * parser, keeping safe regular files and refusing the rest. Member bytes are counted as they
 * arrive; the first limit crossed stops the feed. Damage (bad checksums, truncation) throws
 * parser.corrupt.
 */
export async function readTar(
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  name: string,
  ctx: ParseContext,
  budget: ArchiveBudget,
  contents: ArchiveContents,
): Promise<void> {
  let failure: unknown = null;
  const fail = (err: unknown): void => {
    failure ??= err;
  };
  // zstd/brotli sniffing off: the bytes given are the tar itself, already decompressed and counted.
  const parser = new TarStreamParser({ strict: false, zstd: false, brotli: false });
  parser.on('warn', (code: string, message: string | Error) => fail(corrupt(name, `${code}: ${errorMessage(message)}`)));
  parser.on('error', (err: unknown) => fail(isAppError(err) ? err : corrupt(name, errorMessage(err))));
  parser.on('entry', (entry: ReadEntry) => {
    try {
      onEntry(entry, ctx, name, budget, contents, fail);
    } catch (err) {
      fail(err);
      entry.resume();
    }
  });
  let first = true;
  for await (const chunk of chunks) {
    // The tar package would silently gunzip a stream that starts with the gzip signature, past our
    // byte counting. A real tar never does (it starts with a file name), so such a stream is refused.
    if (first && chunk.length >= 2 && chunk[0] === 0x1f && chunk[1] === 0x8b) throw corrupt(name, 'a gzip stream where a tar header should be');
    first = false;
    parser.write(chunk);
    if (failure !== null) throw failure;
  }
  // Ending flushes the last block; damage found there is reported as a warning, not an 'end'.
  await new Promise<void>((resolve) => {
    for (const event of ['end', 'close', 'warn', 'error']) parser.once(event, () => resolve());
    parser.end();
    if (failure !== null) resolve();
  });
  if (failure !== null) throw failure;
}

function onEntry(
  entry: ReadEntry,
  ctx: ParseContext,
  name: string,
  budget: ArchiveBudget,
  contents: ArchiveContents,
  fail: (err: unknown) => void,
): void {
  budget.entry();
  const raw = entry.path;
  if (DIRECTORY.has(entry.type) || (REGULAR.has(entry.type) && isDirectoryName(raw) && entry.size === 0)) return void entry.resume();
  const safe = normaliseMemberPath(raw);
  if (!safe.ok) {
    contents.reject(raw, safe.code, safe.reason);
    return void entry.resume();
  }
  const link = LINK_REASONS[entry.type];
  if (link !== undefined) {
    const target = entry.linkpath ? ` to ${entry.linkpath}` : '';
    contents.reject(safe.path, 'archive.link', `${link}${target}`);
    return void entry.resume();
  }
  if (!REGULAR.has(entry.type)) {
    contents.reject(safe.path, 'archive.unsupported', `unsupported tar entry type ${entry.type}`);
    return void entry.resume();
  }
  if (ctx.signal.aborted) throw new AppError('parser.timeout', `reading ${name} was stopped: the parse was cancelled`);
  // The header size only ever refuses early; the bytes themselves are counted below.
  budget.declared(safe.path, entry.size);
  const meter = budget.meter(safe.path, null);
  const parts: Buffer[] = [];
  let broken = false;
  entry.on('data', (chunk: Buffer) => {
    if (broken) return;
    try {
      meter.add(chunk.length);
      parts.push(chunk);
    } catch (err) {
      broken = true;
      fail(err);
    }
  });
  entry.on('end', () => {
    if (!broken) contents.add(safe.path, Buffer.concat(parts), entry.mtime);
  });
}

const corrupt = (name: string, why: string): AppError =>
  new AppError('parser.corrupt', `${name} is not a readable tar archive: ${why}`, { cause: why });
