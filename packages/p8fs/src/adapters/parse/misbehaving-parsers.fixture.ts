import { AppError } from '../../domain/errors.js';
import type { Parser, ParserRegistry } from '../../ports/parser.js';

// Parsers that misbehave on purpose, chosen by file name, for the thread runner's tests. Loaded
// inside a parser thread through ThreadParseRunner's registryModule option.

const parse: Parser['parse'] = async ({ bytes, name }) => {
  if (name === 'hang.txt') for (;;) {}
  if (name === 'oom.txt') {
    const hog: string[][] = [];
    for (;;) hog.push(new Array(1_000_000).fill(`${hog.length}x`));
  }
  if (name === 'crash.txt') process.exit(3);
  if (name === 'bad.txt') throw new AppError('parser.corrupt', 'bad.txt is corrupt');
  return {
    title: name,
    blocks: [{ kind: 'paragraph', text: bytes.toString('utf8') }],
    metadata: {},
    children: [{ path: 'inner/child.txt', bytes: Buffer.from('child bytes') }],
    artifacts: [{ name: 'thumbnail', role: 'thumbnail', mimeType: 'image/webp', bytes: Buffer.from([1, 2, 3]) }],
  };
};

const misbehaving: Parser = { id: 'misbehaving', version: 1, mediaTypes: ['text/plain'], extensions: ['.txt'], parse };

export function createParserRegistry(): ParserRegistry {
  return {
    list: () => [misbehaving],
    resolve: async () => ({ parser: misbehaving, mimeType: 'text/plain', reason: 'test' }),
  };
}
