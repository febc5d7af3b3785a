import type { Dirent } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { AppError } from '../../domain/errors.js';
import type { ParseContext, ParseLimits, Parser } from '../../ports/parser.js';
import { ArchiveBudget, RATIO_EXEMPT_BYTES, refuseTooDeep, stopIfCancelled, totalTooLarge, zipBomb } from './budget.js';
import { ArchiveContents } from './contents.js';
import { normaliseMemberPath } from './member-path.js';
import { parseSevenZipListing, type SevenZipMember } from './sevenzip-listing.js';

const ARCHIVE = 'archive.7z';
const MEMBER_LIST = 'members.txt';
const OUT_DIR = 'out';
const LIST_TIMEOUT_MS = 60_000;
const EXTRACT_TIMEOUT_MS = 300_000;
// LZMA2 at its largest dictionary needs ~1.5 GiB to decode; a header asking for more is hostile.
const MEMORY_MB = 2048;
const MAX_LISTING_BYTES = 64 * 1024 * 1024;
const LINK_TYPES: Record<string, string> = {
  l: 'symbolic link',
  c: 'character device',
  b: 'block device',
  p: 'named pipe (FIFO)',
  s: 'socket',
};
// `-p` with no password: an encrypted archive then fails at once instead of prompting on a terminal.
// `-scc`/`-scs`: names in the listing and in the member list file are UTF-8, whatever the locale.
const COMMON_SWITCHES = ['-p', '-sccUTF-8', '-scsUTF-8'];

/** A member that passed vetting: its name as stored (for 7z) and its safe path (for the vault). */
interface Wanted {
  raw: string;
  path: string;
}

/**
 * 7z archives, through the 7z program: list first, vet every member (paths, links, encryption,
 * declared sizes, per-block ratios) before anything is written, then extract only the vetted
 * members into a fresh folder and read them back as regular files.
 */
export const sevenZipParser: Parser = {
  id: '7z',
  version: 1,
  mediaTypes: ['application/x-7z-compressed'],
  extensions: ['.7z'],
  async parse({ bytes, name }, ctx) {
    refuseTooDeep(ctx, name);
    const work = await mkdtemp(join(ctx.tmpDir, '7z-'));
    try {
      await writeFile(join(work, ARCHIVE), bytes);
      const members = await list(work, name, ctx);
      const budget = new ArchiveBudget(ctx.limits, name);
      const contents = new ArchiveContents();
      refuseBombs(members, name, ctx.limits);
      const wanted = vet(members, name, budget, contents, ctx.limits);
      if (wanted.length > 0) await extract(work, wanted, name, ctx);
      const extracted = wanted.length > 0 ? await regularFiles(join(work, OUT_DIR)) : new Map<string, string>();
      for (const w of wanted) {
        stopIfCancelled(ctx, name);
        const file = extracted.get(w.path);
        if (file === undefined) {
          contents.reject(w.path, 'parser.corrupt', '7z did not extract it as a regular file');
          continue;
        }
        const data = await readFile(file);
        // Count what is really on disk, not what the listing said.
        budget.meter(w.path, null).add(data.length);
        contents.add(w.path, data);
      }
      return contents.toDocument(name, '7z archive');
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  },
};

async function list(work: string, name: string, ctx: ParseContext): Promise<SevenZipMember[]> {
  const result = await ctx.tools.run('7z', ['l', '-slt', ...COMMON_SWITCHES, ARCHIVE], {
    cwd: work,
    timeoutMs: LIST_TIMEOUT_MS,
    memoryMb: MEMORY_MB,
    maxOutputBytes: MAX_LISTING_BYTES,
    signal: ctx.signal,
  });
  const stdout = result.stdout.toString('utf8');
  // Exit code 1 is a warning (e.g. data after the end of the archive); the listing still stands.
  if (result.exitCode > 1) throw toolFailure(name, 'list', stdout, result.stderr);
  const members = parseSevenZipListing(stdout);
  if (members === null) throw new AppError('parser.corrupt', `${name} is not a readable 7z archive: 7z printed no member listing`);
  return members;
}

/**
 * Refuse a solid block that expands too far past its packed size. Members of a block are
 * compressed together, so the block is the unit the ratio is measured on.
 */
function refuseBombs(members: SevenZipMember[], name: string, limits: ParseLimits): void {
  const blocks = new Map<string, { unpacked: number; packed: number | null; first: string }>();
  for (const m of members) {
    if (m.block === null) continue;
    const b = blocks.get(m.block) ?? { unpacked: 0, packed: null, first: m.path };
    b.unpacked += m.size;
    if (m.packed !== null) b.packed = (b.packed ?? 0) + m.packed;
    blocks.set(m.block, b);
  }
  for (const b of blocks.values()) {
    if (b.packed === null) continue;
    if (b.unpacked > RATIO_EXEMPT_BYTES && b.unpacked > limits.maxRatio * Math.max(b.packed, 1)) throw zipBomb(name, b.first, limits.maxRatio);
  }
}

/** Sort members into wanted and refused, with the whole-file limits checked on declared sizes first. */
function vet(members: SevenZipMember[], name: string, budget: ArchiveBudget, contents: ArchiveContents, limits: ParseLimits): Wanted[] {
  const wanted: Wanted[] = [];
  let declared = 0;
  for (const m of members) {
    budget.entry();
    if (m.directory) continue;
    const safe = normaliseMemberPath(m.path);
    if (!safe.ok) {
      contents.reject(m.path, safe.code, safe.reason);
      continue;
    }
    const link = m.unixType === null ? undefined : LINK_TYPES[m.unixType];
    if (link !== undefined) contents.reject(safe.path, 'archive.link', link);
    else if (m.encrypted) contents.reject(safe.path, 'parser.encrypted', 'encrypted (password-protected)');
    else if (m.size === 0) contents.reject(safe.path, 'file.empty', 'empty file');
    else {
      // 7z decoders stop at the sizes the headers give, so these bound what extraction can write;
      // the files are measured again once on disk.
      budget.declared(safe.path, m.size);
      declared += m.size;
      if (declared > limits.maxExpandedBytes) throw totalTooLarge(name, limits.maxExpandedBytes);
      wanted.push({ raw: m.path, path: safe.path });
    }
  }
  return wanted;
}

async function extract(work: string, wanted: Wanted[], name: string, ctx: ParseContext): Promise<void> {
  // Exact names, one a line; -spd turns off wildcard matching so a '*' in a name matches only itself.
  await writeFile(join(work, MEMBER_LIST), `${wanted.map((w) => w.raw).join('\n')}\n`);
  const result = await ctx.tools.run('7z', ['x', ...COMMON_SWITCHES, '-y', '-spd', `-o${OUT_DIR}`, ARCHIVE, `@${MEMBER_LIST}`], {
    cwd: work,
    timeoutMs: EXTRACT_TIMEOUT_MS,
    memoryMb: MEMORY_MB,
    maxOutputBytes: MAX_LISTING_BYTES,
    signal: ctx.signal,
  });
  if (result.exitCode > 1) throw toolFailure(name, 'extract', result.stdout.toString('utf8'), result.stderr);
}

/** Regular files under a folder by normalised relative path; links and anything else are left out. */
async function regularFiles(root: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  let entries: Dirent[];
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return found;
  }
  for (const e of entries) {
    // Dirent types come from lstat: a symbolic link is never followed or read.
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    const safe = normaliseMemberPath(relative(root, abs).split(sep).join('/'));
    if (safe.ok) found.set(safe.path, abs);
  }
  return found;
}

function toolFailure(name: string, step: 'list' | 'extract', stdout: string, stderr: string): AppError {
  const text = `${stderr}\n${stdout}`;
  if (/wrong password|cannot open encrypted archive/i.test(text)) {
    return new AppError('parser.encrypted', `${name} is encrypted (password-protected): ${step === 'list' ? 'even its file list' : 'its content'} cannot be read without the password`);
  }
  const why =
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => /error/i.test(l) && !/^errors?:\s*\d+$/i.test(l))
      .slice(0, 3)
      .join('; ') || 'unknown 7z error';
  return new AppError('parser.corrupt', `${name} is not a readable 7z archive: 7z could not ${step} it (${why})`, { cause: why });
}
