import { describe } from 'vitest';
import { corpusGoldenTests } from '../odf/corpus.fixture.js';
import { epubParser } from './epub-parser.js';

describe('epubParser on the docs-corpus', () => {
  corpusGoldenTests({ epub: epubParser });
});
