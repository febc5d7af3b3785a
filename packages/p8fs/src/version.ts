import { readFileSync } from 'node:fs';

/**
 * The package version, read once. Its own module so that `p8fs --version` and the CLI need not
 * import the composition root, which loads the database and embedder modules (~0.5 s).
 */
export const VERSION: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;
