import { AppError } from '../../domain/errors.js';
import type { ParseContext, ParseLimits } from '../../ports/parser.js';

/** Members up to this size skip the ratio check: a small file of zeros compresses absurdly well and harms nothing. */
export const RATIO_EXEMPT_BYTES = 1024 * 1024;

/** Refuse a container nested deeper than the limits allow, before reading any of it. */
export function refuseTooDeep(ctx: ParseContext, name: string): void {
  if (ctx.depth >= ctx.limits.maxDepth) {
    throw new AppError('parser.limit_exceeded', `${name} is nested too deep: it sits ${ctx.depth} containers down, and at most ${ctx.limits.maxDepth} levels are read`, {
      limit: 'maxDepth',
      value: ctx.limits.maxDepth,
    });
  }
}

/** Stop between members when the run was cancelled, rather than reading the rest of a large archive. */
export function stopIfCancelled(ctx: ParseContext, name: string): void {
  if (ctx.signal.aborted) throw new AppError('parser.timeout', `reading ${name} was stopped: the parse was cancelled`);
}

/**
 * The whole-file limits of one archive: member count and expanded bytes, counted from the bytes
 * actually decompressed (headers can lie), so a bomb is stopped as soon as it crosses a limit.
 */
export class ArchiveBudget {
  private entries = 0;
  private expanded = 0;

  constructor(
    private readonly limits: ParseLimits,
    private readonly archive: string,
  ) {}

  /** Bytes of member content read so far. */
  get expandedBytes(): number {
    return this.expanded;
  }

  /** Count one entry (directories and refused members too); throws past maxMembers. */
  entry(): void {
    this.entries++;
    if (this.entries > this.limits.maxMembers) throw tooManyMembers(this.archive, this.limits.maxMembers);
  }

  /**
   * Refuse early on a size the archive declares, before decompressing anything. Only ever used to
   * refuse: what is let through is still counted byte by byte as it expands.
   */
  declared(path: string, bytes: number): void {
    if (bytes > this.limits.maxMemberBytes) throw memberTooLarge(this.archive, path, this.limits.maxMemberBytes);
    if (this.expanded + bytes > this.limits.maxExpandedBytes) throw totalTooLarge(this.archive, this.limits.maxExpandedBytes);
  }

  /** A meter for one member's bytes; compressed is what it is stored in, where the format says. */
  meter(path: string, compressed: number | null): MemberMeter {
    return new MemberMeter(this, path, compressed);
  }

  /** @internal called by MemberMeter for every decompressed chunk. */
  count(path: string, memberBytes: number, compressed: number | null, added: number): void {
    this.expanded += added;
    const { maxMemberBytes, maxExpandedBytes, maxRatio } = this.limits;
    if (memberBytes > maxMemberBytes) throw memberTooLarge(this.archive, path, maxMemberBytes);
    if (this.expanded > maxExpandedBytes) throw totalTooLarge(this.archive, maxExpandedBytes);
    if (compressed !== null && memberBytes > RATIO_EXEMPT_BYTES && memberBytes > maxRatio * Math.max(compressed, 1)) {
      throw zipBomb(this.archive, path, maxRatio);
    }
  }
}

/** Counts one member's decompressed bytes against the member, total and ratio limits. */
export class MemberMeter {
  private read = 0;

  constructor(
    private readonly budget: ArchiveBudget,
    private readonly path: string,
    private readonly compressed: number | null,
  ) {}

  get bytes(): number {
    return this.read;
  }

  /** Count a chunk; throws parser.limit_exceeded as soon as a limit is crossed. */
  add(chunkBytes: number): void {
    this.read += chunkBytes;
    this.budget.count(this.path, this.read, this.compressed, chunkBytes);
  }
}

export function tooManyMembers(archive: string, max: number): AppError {
  return new AppError('parser.limit_exceeded', `${archive} has more than ${max} members`, { limit: 'maxMembers', value: max });
}

export function memberTooLarge(archive: string, path: string, max: number): AppError {
  return new AppError('parser.limit_exceeded', `${archive}: member ${path} expands past ${formatBytes(max)}, the most one member may`, {
    limit: 'maxMemberBytes',
    value: max,
    member: path,
  });
}

export function totalTooLarge(archive: string, max: number): AppError {
  return new AppError('parser.limit_exceeded', `${archive} expands past ${formatBytes(max)} in total, the most an archive may`, {
    limit: 'maxExpandedBytes',
    value: max,
  });
}

export function zipBomb(archive: string, what: string, maxRatio: number): AppError {
  return new AppError('parser.limit_exceeded', `${archive}: ${what} expands more than ${maxRatio} times its compressed size: it looks like a zip bomb`, {
    limit: 'maxRatio',
    value: maxRatio,
    member: what,
  });
}

/** Bytes for people: "512 MiB", "1.5 KiB", "12 bytes". */
export function formatBytes(n: number): string {
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  if (n < 1024) return `${n} bytes`;
  let v = n;
  let unit = '';
  for (const u of units) {
    if (v < 1024) break;
    v /= 1024;
    unit = u;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${unit}`;
}
