import { createWriteStream } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FileDto, MomentDto } from '@p8fs/contracts';
import { AppError } from '../../../domain/errors.js';
import type { VaultClient } from '../vault/client.js';
import { fileNote, fileTags, momentNote } from './markdown.js';
import { inside, PathAllocator, safeRelativePath, safeSegment } from './paths.js';

export type ExportFormat = 'markdown' | 'jsonl';

export interface ExportOptions {
  format: ExportFormat;
  originals: boolean;
  vectors: boolean;
  force: boolean;
}

/** What an export wrote (the `--json` summary). */
export interface ExportSummary {
  format: ExportFormat;
  dir: string;
  files: number;
  resources: number;
  moments: number;
  edges: number;
  originals: number;
  original_bytes: number;
}

/** Progress of the file loop (a bar on a terminal). */
export interface ExportProgress {
  start(total: number): void;
  advance(uri: string): void;
  stop(): void;
}

/** Write the vault's content under dir in an open format; refuses a non-empty dir unless forced. */
export async function runExport(vault: VaultClient, dirArg: string, opts: ExportOptions, progress: ExportProgress): Promise<ExportSummary> {
  const dir = resolve(dirArg);
  const existing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [] as string[];
    throw err;
  });
  if (existing.length > 0 && !opts.force) throw new AppError('conflict', `${dir} is not empty: choose an empty folder, or pass --force to write into it`);
  await mkdir(dir, { recursive: true });
  const summary: ExportSummary = { format: opts.format, dir, files: 0, resources: 0, moments: 0, edges: 0, originals: 0, original_bytes: 0 };
  const files = await allFiles(vault);
  const originals = new PathAllocator();
  const notes = new PathAllocator();
  const filesOut = opts.format === 'jsonl' ? new JsonlFile(inside(dir, 'files.jsonl')) : null;
  progress.start(files.length);
  try {
    for (const file of files) {
      const rel = safeRelativePath(file.uri, `file-${file.id}`);
      const original = opts.originals ? `originals/${originals.take(rel, file.id)}` : null;
      if (original) summary.original_bytes += await copyOriginal(vault, file, inside(dir, original));
      if (original) summary.originals++;
      if (filesOut) await filesOut.write({ ...file, tags: fileTags(file), original });
      else {
        const chunks = await vault.fileResources(file.id);
        const path = notes.take(`files/${rel.endsWith('.md') ? rel : `${rel}.md`}`, file.id);
        await writeText(inside(dir, path), fileNote(file, chunks, original));
      }
      summary.files++;
      progress.advance(file.uri);
    }
  } finally {
    progress.stop();
    await filesOut?.close();
  }
  const moments = await allMoments(vault);
  summary.moments = moments.length;
  if (opts.format === 'markdown') {
    const names = new PathAllocator();
    for (const m of moments) {
      const day = (m.starts_at ?? m.created_at).slice(0, 10);
      await writeText(inside(dir, names.take(`moments/${day} ${safeSegment(m.name) || m.id}.md`, m.id)), momentNote(m));
    }
    return summary;
  }
  const momentsOut = new JsonlFile(inside(dir, 'moments.jsonl'));
  for (const m of moments) await momentsOut.write(m);
  await momentsOut.close();
  summary.resources = await pages(inside(dir, 'resources.jsonl'), (after) => vault.exportResources({ after, limit: 500, vectors: opts.vectors }), (p) => p.resources);
  summary.edges = await pages(inside(dir, 'edges.jsonl'), (after) => vault.exportEdges({ after, limit: 1000, vectors: false }), (p) => p.edges);
  return summary;
}

/** Every file, newest first, a page of 500 at a time. */
async function allFiles(vault: VaultClient): Promise<FileDto[]> {
  const out: FileDto[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await vault.listFiles({ limit: 500, offset });
    out.push(...page.files);
    if (page.files.length < 500 || out.length >= page.total) return out;
  }
}

/** Every moment, oldest first. */
async function allMoments(vault: VaultClient): Promise<MomentDto[]> {
  const out: MomentDto[] = [];
  for (let offset = 0; ; offset += 200) {
    const page = await vault.listMoments({ order: 'oldest', limit: 200, offset });
    out.push(...page.moments);
    if (page.moments.length < 200 || out.length >= page.total) return out;
  }
}

/** Keyset pages into one JSONL file; the number of rows written. */
async function pages<P extends { next_after: string | null }>(path: string, fetchPage: (after: string | undefined) => Promise<P>, rows: (p: P) => unknown[]): Promise<number> {
  const out = new JsonlFile(path);
  let n = 0;
  try {
    let after: string | undefined;
    do {
      const page = await fetchPage(after);
      for (const r of rows(page)) await out.write(r);
      n += rows(page).length;
      after = page.next_after ?? undefined;
    } while (after);
  } finally {
    await out.close();
  }
  return n;
}

/** A file's bytes as the vault returns them (decrypted by the vault); the bytes written. */
async function copyOriginal(vault: VaultClient, file: FileDto, path: string): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  let bytes = 0;
  const source = await vault.download(file.id);
  source.on('data', (c: Buffer) => {
    bytes += c.length;
  });
  await pipeline(source, createWriteStream(path));
  return bytes;
}

async function writeText(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, text);
}

/** JSON Lines, one object per line, streamed (no export is held in memory whole). */
class JsonlFile {
  private readonly stream;
  private failed: Error | null = null;

  constructor(path: string) {
    this.stream = createWriteStream(path);
    this.stream.on('error', (err) => {
      this.failed = err;
    });
  }

  /** Resolves when the stream takes more (backpressure), so a large vault streams through. */
  async write(row: unknown): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream.write(`${JSON.stringify(row)}\n`)) await new Promise<void>((res) => this.stream.once('drain', () => res()));
  }

  close(): Promise<void> {
    return new Promise<void>((res, rej) => {
      this.stream.end(() => (this.failed ? rej(this.failed) : res()));
    });
  }
}
