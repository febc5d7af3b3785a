import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// The data dir holds every tenant's notes, the database with the signing keys, the owner secret and
// the device key: nobody but its owner may read, write or even list it. New files are private through
// the process umask (077, set by the CLI entrypoint); this repairs what an older version, another
// umask or a copy left open (PGlite created its files 0666, blobs were 0644).

const DIR_MODE = 0o700;
const FILE_MODE = 0o600;

/** What securePrivateDir saw and changed. */
export interface PermsRepair {
  /** directories and files visited, the data dir included */
  entries: number;
  /** how many of them had their mode changed */
  repaired: number;
}

/**
 * Create dir (and missing parents) 0700 when absent, then walk it once: directories 0700, files 0600.
 * Symbolic links are neither followed nor changed, so a link inside cannot make this chmod
 * something outside; a directory is made private before it is listed, so nobody else can swap an
 * entry for a link meanwhile. Modes are read first: a vault already private costs an lstat per entry.
 */
export function securePrivateDir(dir: string): PermsRepair {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  const out: PermsRepair = { entries: 1, repaired: 0 };
  // The data dir itself may be a link the owner chose (e.g. onto another disk): follow that one.
  if (fix(dir, statSync(dir).mode, DIR_MODE)) out.repaired++;
  const pending = [dir];
  for (let current = pending.pop(); current !== undefined; current = pending.pop()) {
    for (const name of ifStill(() => readdirSync(current)) ?? []) {
      const path = join(current, name);
      const st = ifStill(() => lstatSync(path));
      if (!st || (!st.isDirectory() && !st.isFile())) continue;
      out.entries++;
      if (ifStill(() => fix(path, st.mode, st.isDirectory() ? DIR_MODE : FILE_MODE))) out.repaired++;
      if (st.isDirectory()) pending.push(path);
    }
  }
  return out;
}

// Processes sharing the dir (API processes on one blob folder) may remove a temp file meanwhile.
function ifStill<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function fix(path: string, current: number, wanted: number): boolean {
  if ((current & 0o777) === wanted) return false;
  chmodSync(path, wanted);
  return true;
}
