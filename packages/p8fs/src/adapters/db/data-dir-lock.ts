import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../domain/errors.js';

/** Who holds a data dir, as written in its lock file. */
export interface LockInfo {
  pid: number;
  role: string;
  url?: string | undefined;
  started_at: string;
}

const lockPath = (dataDir: string) => join(dataDir, 'p8fs.lock');

/** The live holder of a data dir, or null (a lock left by a dead process does not count). */
export function readLock(dataDir: string): LockInfo | null {
  try {
    const info = JSON.parse(readFileSync(lockPath(dataDir), 'utf8')) as LockInfo;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}

/**
 * Take the data dir for this process. An embedded database file has one writer: a second
 * process must talk to the holder over HTTP instead of opening the files.
 */
export function acquireLock(dataDir: string, role: string, url?: string): { update(url: string): void; release(): void } {
  // Private from the start, whatever the umask (data-dir-perms.ts says why).
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const held = readLock(dataDir);
  if (held && held.pid !== process.pid) {
    const hint = held.url ? `; use --server ${held.url} (or stop it)` : '; stop it first';
    throw new AppError('conflict', `the vault at ${dataDir} is in use by ${held.role} (pid ${held.pid})${hint}`, held);
  }
  const write = (u?: string) => {
    rmSync(lockPath(dataDir), { force: true });
    const fd = openSync(lockPath(dataDir), 'wx');
    writeSync(fd, JSON.stringify({ pid: process.pid, role, url: u, started_at: new Date().toISOString() } satisfies LockInfo));
    closeSync(fd);
  };
  write(url);
  return {
    update: (u: string) => write(u),
    release: () => {
      if (readLock(dataDir)?.pid === process.pid) rmSync(lockPath(dataDir), { force: true });
    },
  };
}
