import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A stored blob swapped for a named pipe (FIFO) that the test controls. A worker whose job reads
 * that blob blocks inside the job (file `processing`, job `running` under its lease) until the test
 * lets it go, so "a job in flight" is a state the test builds and checks, not a moment it hopes to
 * hit after a sleep. Nothing in the product knows about it: the blob store simply reads a file.
 *
 * Linux FIFO semantics: opening the read end blocks until a writer exists; a non-blocking open of
 * the write end fails with ENXIO while nobody has the read end open (or is waiting to).
 */
export class BlobGate {
  private readonly bytes: Buffer;
  private writer: number | null = null;

  /** Swap the regular file at `path` (a stored blob) for a FIFO; its bytes are kept to put back. */
  constructor(readonly path: string) {
    this.bytes = readFileSync(path);
    unlinkSync(path);
    execFileSync('mkfifo', ['-m', '600', path]);
  }

  /**
   * True once a process is reading the pipe: a worker is inside the job, at the blob read. From then
   * on the gate holds the write end open, so that reader keeps waiting for bytes (no EOF) until
   * restore() or release().
   */
  hasReader(): boolean {
    if (this.writer !== null) return true;
    try {
      this.writer = openSync(this.path, constants.O_WRONLY | constants.O_NONBLOCK);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENXIO') return false;
      throw err;
    }
  }

  /** The reader is gone (killed): put the regular file back for the next worker and drop the pipe. */
  restore(): void {
    this.putBack();
    this.closeWriter();
  }

  /**
   * Let live readers finish: the bytes go through the pipe to whoever has it open (or is opening it),
   * and later opens find the regular file again. The bytes go in one write, so they must fit the
   * pipe buffer (64 KiB on Linux).
   */
  release(): void {
    if (this.bytes.length > 60_000) throw new Error(`release() feeds the pipe in one write: ${this.path} is ${this.bytes.length} bytes`);
    // O_RDWR on a FIFO never blocks on Linux and counts as a writer: a reader stuck in open() goes on.
    const fd = openSync(this.path, constants.O_RDWR);
    try {
      this.putBack();
      writeSync(fd, this.bytes);
    } finally {
      closeSync(fd);
      this.closeWriter();
    }
  }

  private putBack(): void {
    const tmp = `${this.path}.gate`;
    writeFileSync(tmp, this.bytes);
    renameSync(tmp, this.path);
  }

  private closeWriter(): void {
    if (this.writer !== null) closeSync(this.writer);
    this.writer = null;
  }
}

/**
 * The largest stored blob under a blob folder. Blobs may be encrypted at rest under keyed names, so
 * neither their names nor their bytes say which file they hold; their size (about the file's) does.
 */
export function largestBlob(blobDir: string): string {
  const blobs = readdirSync(blobDir, { recursive: true, encoding: 'utf8' })
    .filter((p) => /(^|\/)blobs\/[0-9a-f]{2}\/[^/]+$/.test(p))
    .map((p) => ({ path: join(blobDir, p), size: statSync(join(blobDir, p)).size }))
    .filter((b) => b.size > 0)
    .sort((x, y) => y.size - x.size);
  if (!blobs[0]) throw new Error(`no stored blob under ${blobDir}`);
  return blobs[0].path;
}
