import { readFileSync } from 'node:fs';

/**
 * The package version, read once. Its own module so that `p8fs --version` and the CLI need not
 * import the composition root, which loads the database and embedder modules (~0.5 s).
 */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/**
 * The commit this build came from, stamped by `npm run build` (scripts/build-info.mjs) into
 * build-info.json next to package.json, so an installed package without git still knows it;
 * "unknown" where the file is absent (tests run from the sources before a build).
 */
export const COMMIT: string = readCommit();

/** What `p8fs --version` prints: `2026.12.0 (abc1234)`. */
export const VERSION_LINE = `${VERSION} (${COMMIT})`;

function readCommit(): string {
  try {
    const info = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as { commit?: unknown };
    return typeof info.commit === 'string' && info.commit ? info.commit : 'unknown';
  } catch {
    return 'unknown';
  }
}
