import type { ParsedDocument, ParseContext, Parser } from '../../ports/parser.js';
import { ArchiveBudget, refuseTooDeep } from './budget.js';
import { ArchiveContents } from './contents.js';
import { gunzipBounded, isGzip } from './gunzip.js';
import { readTar, TAR_FRAMING_BYTES_PER_MEMBER } from './tar-reader.js';

// Fed to the tar parser in slices so that a crossed limit stops the work between slices.
const SLICE_BYTES = 1024 * 1024;

/** Tar archives, plain or gzip-compressed (a .tar.gz declared or named as a tar). */
export const tarParser: Parser = {
  id: 'tar',
  version: 1,
  mediaTypes: ['application/x-tar'],
  extensions: ['.tar'],
  async parse({ bytes, name }, ctx) {
    refuseTooDeep(ctx, name);
    if (isGzip(bytes)) return readTarFrom(gunzipForTar(bytes, name, ctx), name, ctx, 'gzip-compressed tar archive');
    return readTarFrom(slices(bytes), name, ctx, 'tar archive');
  },
};

/** Read a tar stream into the archive's document. */
export async function readTarFrom(chunks: AsyncIterable<Buffer> | Iterable<Buffer>, name: string, ctx: ParseContext, format: string): Promise<ParsedDocument> {
  const budget = new ArchiveBudget(ctx.limits, name);
  const contents = new ArchiveContents();
  await readTar(chunks, name, ctx, budget, contents);
  return contents.toDocument(name, format);
}

/**
 * Gunzip a .tar.gz with a cap on the whole stream: the member limit plus tar framing. The stream
 * ratio stands in for the per-member ratio, which a compressed tar does not record.
 */
export function gunzipForTar(bytes: Buffer, name: string, ctx: ParseContext): AsyncGenerator<Buffer> {
  const { maxExpandedBytes, maxMembers, maxRatio } = ctx.limits;
  return gunzipBounded(bytes, { name, maxOutput: maxExpandedBytes + (maxMembers + 1) * TAR_FRAMING_BYTES_PER_MEMBER, maxRatio });
}

function* slices(bytes: Buffer): Generator<Buffer> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}
