import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Total size of the files under a directory, in MB. */
export function dirSizeMb(dir: string): number {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) bytes += statSync(p).size;
    }
  };
  walk(dir);
  return Math.round((bytes / 2 ** 20) * 10) / 10;
}
