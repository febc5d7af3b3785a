import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Block } from '../../../domain/document.js';
import { AppError } from '../../../domain/errors.js';
import { createParserRegistry, type ParserResolution } from '../../../parsers/index.js';

// Shared by `p8fs test-file` and `p8fs process`: both look at a local file without any vault.

/** A local file read for parsing, with the resolution the parser registry made for it. */
export interface ResolvedFile {
  path: string;
  name: string;
  bytes: Buffer;
  resolution: ParserResolution;
}

/** Read a local file and ask the parser registry which parser takes it; throws the registry's unsupported error. */
export async function resolveLocalFile(path: string): Promise<ResolvedFile> {
  const bytes = await readLocal(path);
  const name = basename(path);
  // No declared type: a local file has only its name and bytes, exactly what the registry sniffs.
  const resolution = await createParserRegistry().resolve({ name, bytes });
  return { path, name, bytes, resolution };
}

/** Read a local file for parsing; a missing, folder or empty path is a clear error. */
export async function readLocal(path: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('not_found', `no such file: ${path}`);
    if (code === 'EISDIR') throw new AppError('bad_request', `${path} is a folder: give one file (\`p8fs ingest\` takes folders)`);
    throw err;
  }
  if (bytes.length === 0) throw new AppError('file.empty', `${path} is empty`);
  return bytes;
}

/** Parsed blocks back as Markdown: headings get their # marks, other blocks keep their text. */
export function blocksToMarkdown(blocks: readonly Block[]): string {
  return blocks.map((b) => (b.kind === 'heading' ? `${'#'.repeat(Math.min(Math.max(b.level, 1), 6))} ${b.text}` : b.text)).join('\n\n');
}
