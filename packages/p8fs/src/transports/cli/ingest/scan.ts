import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { AppError } from '../../../domain/errors.js';

/** A local file found for ingest; its uri is its absolute path. */
export interface ScannedFile {
  path: string;
  name: string;
  uri: string;
  size: number;
}

/** Names a folder walk never enters or ingests: hidden files and folders (.git, .obsidian) and dependency trees. */
export function isSkippedName(name: string): boolean {
  return name.startsWith('.') || name === 'node_modules';
}

/**
 * The files named by paths, in order and without repeats. Folders need recursive. Inside a folder,
 * symbolic links are skipped: a target inside the tree is ingested under its own path anyway,
 * and a target outside it is not the user's to sweep in. A path named explicitly is followed.
 */
export async function scanPaths(paths: readonly string[], opts: { recursive: boolean }): Promise<ScannedFile[]> {
  const found = new Map<string, ScannedFile>();
  for (const p of paths) {
    const abs = resolve(p);
    const st = await stat(abs).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') throw new AppError('not_found', `no such file or folder: ${p}`);
      throw err;
    });
    if (st.isDirectory()) {
      if (!opts.recursive) throw new AppError('validation_failed', `${p} is a folder: add -r to ingest the files in it`);
      for (const f of await walk(abs)) found.set(f.uri, f);
    } else if (st.isFile()) {
      found.set(abs, { path: abs, name: basename(abs), uri: abs, size: st.size });
    } else {
      throw new AppError('validation_failed', `${p} is neither a file nor a folder`);
    }
  }
  return [...found.values()];
}

async function walk(dir: string): Promise<ScannedFile[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const out: ScannedFile[] = [];
  for (const e of entries) {
    if (isSkippedName(e.name) || e.isSymbolicLink()) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile()) out.push({ path: full, name: e.name, uri: full, size: (await stat(full)).size });
  }
  return out;
}
