import { describe } from 'vitest';
import { corpusGoldenTests } from './corpus.fixture.js';
import { odpParser, odsParser, odtParser } from './odf-parsers.js';

describe('ODF parsers on the docs-corpus', () => {
  corpusGoldenTests({ odt: odtParser, ods: odsParser, odp: odpParser });
});
