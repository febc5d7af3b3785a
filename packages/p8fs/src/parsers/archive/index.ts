import type { Parser } from '../../ports/parser.js';
import { gzipParser } from './gzip-parser.js';
import { sevenZipParser } from './sevenzip-parser.js';
import { tarParser } from './tar-parser.js';
import { zipParser } from './zip-parser.js';

export { gzipParser, sevenZipParser, tarParser, zipParser };

/** The archive parsers, for the registry in parsers/index.ts. */
export const ARCHIVE_PARSERS: readonly Parser[] = [zipParser, tarParser, gzipParser, sevenZipParser];
