import { AppError } from '../../domain/errors.js';
import type { Parser } from '../../ports/parser.js';
import { decodeText } from '../text/decode.js';
import { jsonErrorPosition } from './json-error.js';
import { dataBlocks, dataTitle, documentFacts, structuredValue, type DataFormat } from './value-blocks.js';

const JSON_FORMAT: DataFormat = { lang: 'json', render: (v) => JSON.stringify(v, null, 2) ?? 'null' };

/** JSON: a heading per top-level key, values as pretty JSON, tables for arrays of flat records. */
export const jsonParser: Parser = {
  id: 'json',
  // 2: engram and agent documents carry their parsed value for the derivers.
  version: 2,
  mediaTypes: ['application/json', 'text/json'],
  extensions: ['.json'],
  async parse({ bytes, name }) {
    const { text, encoding } = decodeText(bytes);
    const value = parseJson(text, name);
    const facts = documentFacts(value);
    return {
      title: dataTitle(value),
      blocks: dataBlocks(value, JSON_FORMAT, 1),
      metadata: { encoding, top_level_keys: facts.keys, document_kind: facts.kind },
      structured: structuredValue(facts.kind, value),
    };
  },
};

function parseJson(text: string, name: string): unknown {
  if (text.trim() === '') throw new AppError('parser.failed', `${name} is empty: no JSON value`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    const at = jsonErrorPosition(text);
    const where = at === null ? '' : ` at line ${at.line}, column ${at.column}`;
    throw new AppError('parser.failed', `invalid JSON${where}: ${(err as Error).message.split('\n')[0]}`, at ?? undefined);
  }
}
