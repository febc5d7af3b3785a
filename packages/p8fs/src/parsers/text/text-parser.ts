import type { Block, Parser } from '../../ports/parser.js';
import { decodeText } from './decode.js';

/** Plain text: paragraphs are runs of lines separated by blank lines. */
export const textParser: Parser = {
  id: 'text',
  version: 1,
  mediaTypes: ['text/plain'],
  extensions: ['.txt', '.text', '.log', '.asc', '.nfo'],
  async parse({ bytes }) {
    const { text, encoding } = decodeText(bytes);
    return { title: null, blocks: textToParagraphs(text), metadata: { encoding } };
  },
};

/** Split text on blank lines into paragraph blocks, dropping empty ones. */
export function textToParagraphs(text: string): Block[] {
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/[ \t]+$/gm, '').replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '')
    .map((text) => ({ kind: 'paragraph', text }));
}
