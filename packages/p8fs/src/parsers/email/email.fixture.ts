import type { ParseContext, Parser, ParsedDocument } from '../../ports/parser.js';
import { testParseContext } from '../../../test/parse-context.js';
import { render } from '../shared/corpus.fixture.js';

// Shared by the e-mail parser tests: build messages as text, parse them with a test context.

/** A Parser that supplies a test context when called without one (the corpus helper passes none). */
export function withTestContext(parser: Parser): Parser {
  return { ...parser, parse: (input, ctx?: ParseContext) => parser.parse(input, ctx ?? testParseContext()) };
}

/** Parse a message written as text (lines joined with CRLF, as on the wire). */
export function parseText(parser: Parser, lines: string[], name: string, overrides: Partial<ParseContext> = {}): Promise<ParsedDocument> {
  return parser.parse({ bytes: Buffer.from(lines.join('\r\n'), 'utf8'), name, mimeType: parser.mediaTypes[0]! }, testParseContext(overrides));
}

/** The document as Markdown-ish text, as the corpus checks render it. */
export const text = (doc: ParsedDocument): string => render(doc);

/** Base64 in 76-character lines, as MIME writes it. */
export const base64Lines = (bytes: Buffer): string[] => bytes.toString('base64').match(/.{1,76}/g) ?? [];

/** A stream or storage of a test .msg: a stream's bytes, or a storage's members. */
export type MsgTree = { [name: string]: Uint8Array | MsgTree };

/** A property stream holding a Unicode string (PT_UNICODE, UTF-16LE). */
export const utf16 = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'utf16le'));

/**
 * Write a .msg (a CFB file) from a tree of storages and streams, with msgreader's own CFB writer.
 * Enough to test attachments and bodies that the corpus .msg files do not have.
 */
export async function buildMsg(tree: MsgTree): Promise<Buffer> {
  const { burn } = await import('@kenjiuno/msgreader/lib/Burner.js');
  // CFB entry types ([MS-CFB] 2.6.1): storage 1, stream 2, root storage 5.
  const entries: Parameters<typeof burn>[0] = [{ name: 'Root Entry', type: 5, length: 0, children: [] }];
  const add = (parent: number, members: MsgTree) => {
    for (const [name, value] of Object.entries(members)) {
      const index = entries.length;
      entries[parent]!.children!.push(index);
      if (value instanceof Uint8Array) {
        entries.push({ name, type: 2, length: value.length, binaryProvider: () => value });
      } else {
        entries.push({ name, type: 1, length: 0, children: [] });
        add(index, value);
      }
    }
  };
  add(0, tree);
  return Buffer.from(burn(entries));
}
