import { AppError } from '../../domain/errors.js';
import type { Block, Parser } from '../../ports/parser.js';
import { decodeText } from '../text/decode.js';
import { dataBlocks, dataTitle, documentFacts, structuredValue, type DataFormat } from './value-blocks.js';

/**
 * Most alias expansions per document. An alias that points at a collection counts once per node it
 * copies, so a "billion laughs" stream of nested aliases fails instead of filling memory.
 */
export const MAX_ALIAS_COUNT = 100;
/** Most documents in one stream: each becomes a section, and a stream of empty `---` lines is not a corpus. */
export const MAX_DOCUMENTS = 1000;

/** YAML (multi-document streams too): each document a section, a heading per top-level key. */
export const yamlParser: Parser = {
  id: 'yaml',
  // 2: engram and agent documents carry their parsed value for the derivers.
  version: 2,
  mediaTypes: ['application/yaml', 'text/yaml', 'application/x-yaml', 'text/x-yaml'],
  extensions: ['.yaml', '.yml'],
  async parse({ bytes, name }) {
    const { text, encoding } = decodeText(bytes);
    const values = await loadDocuments(text, name);
    // Rendered back from the loaded value, so output is normalised YAML; aliases come back as anchors.
    const { stringify } = await import('yaml');
    const format: DataFormat = { lang: 'yaml', render: (v) => stringify(v, { aliasDuplicateObjects: true }) };
    const blocks: Block[] = [];
    if (values.length === 1) blocks.push(...dataBlocks(values[0], format, 1));
    else {
      values.forEach((v, i) => {
        blocks.push({ kind: 'heading', level: 1, text: `Document ${i + 1}` }, ...dataBlocks(v, format, 2));
      });
    }
    const facts = values.map(documentFacts);
    // The first document's kind decides routing: a multi-document file is one upload.
    const first = facts.findIndex((f) => f.kind !== null);
    const kind = first < 0 ? null : (facts[first]?.kind ?? null);
    return {
      title: values.length === 1 ? dataTitle(values[0]) : null,
      blocks,
      metadata: {
        encoding,
        documents: values.length,
        top_level_keys: [...new Set(facts.flatMap((f) => f.keys))],
        document_kind: kind,
      },
      structured: structuredValue(kind, values[first]),
    };
  },
};

async function loadDocuments(text: string, name: string): Promise<unknown[]> {
  const { parseAllDocuments } = await import('yaml');
  const docs = parseAllDocuments(text, { prettyErrors: true });
  // An empty stream comes back as an EmptyStream object rather than an array.
  if (!Array.isArray(docs) || docs.length === 0) throw new AppError('parser.failed', `${name} is empty: no YAML document`);
  if (docs.length > MAX_DOCUMENTS) throw new AppError('parser.failed', `${name} has more than ${MAX_DOCUMENTS} YAML documents`);
  return docs.map((doc, i) => {
    const error = doc.errors[0];
    if (error !== undefined) {
      const at = error.linePos?.[0];
      const where = at === undefined ? '' : ` at line ${at.line}, column ${at.col}`;
      throw new AppError('parser.failed', `invalid YAML${where}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`, at);
    }
    try {
      return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) as unknown;
    } catch (err) {
      // yaml raises a ReferenceError when alias expansion passes maxAliasCount.
      throw new AppError('parser.failed', `YAML document ${i + 1} refused: ${(err as Error).message}`);
    }
  });
}
