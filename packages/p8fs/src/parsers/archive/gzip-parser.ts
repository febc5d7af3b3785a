import { basename } from 'node:path';
import type { Parser } from '../../ports/parser.js';
import { ArchiveBudget, refuseTooDeep } from './budget.js';
import { ArchiveContents } from './contents.js';
import { gzipStoredName } from './gunzip.js';
import { normaliseMemberPath } from './member-path.js';
import { looksLikeTar } from './tar-reader.js';
import { gunzipForTar, readTarFrom } from './tar-parser.js';

const TAR_NAME = /\.(?:tgz|tar\.gz)$/i;
const TAR_HEAD_BYTES = 512;

/**
 * Gzip files: a compressed tar (by name, or by a tar header in the first decompressed block) is
 * read as a tar archive; anything else is one compressed file, returned as its only child.
 */
export const gzipParser: Parser = {
  id: 'gzip',
  version: 1,
  mediaTypes: ['application/gzip'],
  extensions: ['.gz', '.tgz'],
  async parse({ bytes, name }, ctx) {
    refuseTooDeep(ctx, name);
    const stream = gunzipForTar(bytes, name, ctx);
    const head: Buffer[] = [];
    let headBytes = 0;
    while (headBytes < TAR_HEAD_BYTES) {
      const next = await stream.next();
      if (next.done) break;
      head.push(next.value);
      headBytes += next.value.length;
    }
    const first = Buffer.concat(head);
    const rest = replay(first, stream);
    if (TAR_NAME.test(name) || looksLikeTar(first)) return readTarFrom(rest, name, ctx, 'gzip-compressed tar archive');
    // One compressed file: the whole gzip stream is its compressed form, so the ratio applies to it.
    const path = memberName(name, bytes);
    const budget = new ArchiveBudget(ctx.limits, name);
    budget.entry();
    const meter = budget.meter(path, bytes.length);
    const parts: Buffer[] = [];
    for await (const chunk of rest) {
      meter.add(chunk.length);
      parts.push(chunk);
    }
    const contents = new ArchiveContents();
    contents.add(path, Buffer.concat(parts));
    return contents.toDocument(name, 'gzip-compressed file');
  },
};

/** The chunks already read, then the rest of the stream; closing it closes the stream. */
async function* replay(first: Buffer, stream: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  try {
    if (first.length > 0) yield first;
    yield* stream;
  } finally {
    await stream.return(undefined);
  }
}

/** The decompressed file's name: the archive's without '.gz', else the name the header stored. */
function memberName(name: string, bytes: Buffer): string {
  const base = basename(name);
  const stripped = base.replace(/\.gz$/i, '');
  if (stripped !== base && stripped !== '') return safeOr(stripped, base);
  const stored = gzipStoredName(bytes);
  return stored === null ? base : safeOr(basename(stored.replace(/\\/g, '/')), base);
}

function safeOr(candidate: string, fallback: string): string {
  for (const name of [candidate, fallback]) {
    const safe = normaliseMemberPath(name);
    if (safe.ok) return safe.path;
  }
  // Neither name is usable as a path (control characters, '..'): the content still is.
  return 'content';
}
