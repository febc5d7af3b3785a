import { extname } from 'node:path';
import { AppError } from '../domain/errors.js';
import type { Parser, ParserRegistry, ParserResolution, ResolveInput } from '../ports/parser.js';

export type { ParserRegistry, ParserResolution, ResolveInput };
import { codeParser } from './code/code-parser.js';
import { docxParser } from './docx/docx-parser.js';
import { epubParser } from './epub/epub-parser.js';
import { htmlParser } from './html/html-parser.js';
import { markdownParser } from './markdown/markdown-parser.js';
import { odpParser, odsParser, odtParser } from './odf/odf-parsers.js';
import { pdfParser } from './pdf/pdf-parser.js';
import { pptxParser } from './pptx/pptx-parser.js';
import { hasTextBom, hasUtf16Bom } from './text/decode.js';
import { csvParser } from './spreadsheet/csv-parser.js';
import { jsonParser } from './structured/json-parser.js';
import { yamlParser } from './structured/yaml-parser.js';
import { xlsxParser } from './spreadsheet/xlsx-parser.js';
import { textParser } from './text/text-parser.js';

/** Every parser, explicitly. Add a format here; nothing is discovered. */
export const PARSERS: readonly Parser[] = [
  pdfParser, docxParser, xlsxParser, pptxParser, odtParser, odsParser, odpParser, epubParser,
  htmlParser, markdownParser, csvParser, jsonParser, yamlParser, codeParser, textParser,
];

// file-type recognises containers (zip, xml) that only some of our formats live in; these do not
// settle the question on their own and fall through to the extension and declared type.
const CONTAINER_TYPES = new Set(['application/zip', 'application/xml', 'text/xml']);
// Declared types that say nothing about the content.
const UNINFORMATIVE_TYPES = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);
const SNIFF_BYTES = 8192;

/** A registry over the given parsers (all of PARSERS by default). */
export function createParserRegistry(parsers: readonly Parser[] = PARSERS): ParserRegistry {
  return {
    list: () => [...parsers],
    resolve: (input) => resolve(parsers, input),
  };
}

async function resolve(parsers: readonly Parser[], input: ResolveInput): Promise<ParserResolution> {
  const ext = extname(input.name).toLowerCase();
  const declared = (input.declaredType ?? '').split(';')[0]!.trim().toLowerCase();
  // A text byte-order mark settles it: file-type reads FF FE (UTF-16LE) as an MPEG audio frame.
  const sniffed = hasTextBom(input.bytes) ? undefined : await sniff(input.bytes);
  // 1. A recognised binary signature wins over whatever the name or the uploader claims.
  if (sniffed !== undefined && !CONTAINER_TYPES.has(sniffed) && !isWeakSignatureOnText(sniffed, input.bytes)) {
    return bySniffedType(parsers, input.name, ext, sniffed);
  }
  const byExt = parsers.find((p) => p.extensions.includes(ext));
  const byDeclared = UNINFORMATIVE_TYPES.has(declared) ? undefined : parsers.find((p) => p.mediaTypes.includes(declared));
  const claim = byExt !== undefined ? `extension ${ext}` : `declared type ${declared}`;
  const claimed = byExt ?? byDeclared;
  // 2. A binary format named by extension or declared type must show its signature.
  if (claimed !== undefined && isBinaryFormat(claimed)) {
    // OOXML/ODF files are zips; file-type names them only when their manifest comes early, else a bare zip.
    if (isZipBased(claimed) && sniffed === 'application/zip') {
      return { parser: claimed, mimeType: claimed.mediaTypes[0]!, reason: `zip container, ${claim}` };
    }
    throw new AppError('parser.unsupported_type', `${input.name} claims ${claimed.mediaTypes[0]} (${claim}) but its content is not ${claimed.id.toUpperCase()}`, {
      name: input.name,
      mimeType: sniffed ?? null,
    });
  }
  // 3. Text formats: refuse binary content that only claims to be text.
  if (sniffed === 'application/zip') throw unsupported(parsers, input.name, sniffed, 'content sniffed as');
  const binary = binaryEvidence(input.bytes);
  if (binary !== null) {
    throw new AppError('parser.unsupported_type', `no parser for ${input.name}: content looks binary (${binary}) and matches no supported format: supported: ${supported(parsers)}`, {
      name: input.name,
    });
  }
  const container = sniffed === undefined ? '' : `${sniffed} content, `;
  if (byExt !== undefined) return { parser: byExt, mimeType: byExt.mediaTypes[0]!, reason: `${container}text, extension ${ext}` };
  if (byDeclared !== undefined) return { parser: byDeclared, mimeType: declared, reason: `${container}text, declared type ${declared}` };
  return fallbackText(parsers, input, ext, declared, sniffed);
}

async function sniff(bytes: Buffer): Promise<string | undefined> {
  const { fileTypeFromBuffer } = await import('file-type');
  return (await fileTypeFromBuffer(bytes))?.mime;
}

function bySniffedType(parsers: readonly Parser[], name: string, ext: string, sniffed: string): ParserResolution {
  const parser = parsers.find((p) => p.mediaTypes.includes(sniffed));
  if (parser === undefined) throw unsupported(parsers, name, sniffed, 'content sniffed as');
  const ignored = ext !== '' && !parser.extensions.includes(ext) ? ` (extension ${ext} ignored)` : '';
  return { parser, mimeType: sniffed, reason: `content sniffed as ${sniffed}${ignored}` };
}

/** Text with no extension and no meaningful declared type (README, LICENSE) is read as plain text. */
function fallbackText(parsers: readonly Parser[], input: ResolveInput, ext: string, declared: string, sniffed: string | undefined): ParserResolution {
  const text = parsers.find((p) => p.mediaTypes.includes('text/plain'));
  if (text !== undefined && ext === '' && UNINFORMATIVE_TYPES.has(declared) && sniffed === undefined) {
    return { parser: text, mimeType: 'text/plain', reason: 'text with no extension or declared type' };
  }
  const mime = sniffed ?? (UNINFORMATIVE_TYPES.has(declared) ? (ext === '' ? 'unknown type' : `extension ${ext}`) : declared);
  throw unsupported(parsers, input.name, mime, '');
}

// Signatures of a byte or two (MPEG-TS: 'G' every 188 bytes) that ordinary text can match by
// chance, e.g. a TypeScript file whose lines line up; on bytes that look like text they don't count.
const WEAK_SIGNATURES = new Set(['video/mp2t']);
const isWeakSignatureOnText = (sniffed: string, bytes: Buffer): boolean => WEAK_SIGNATURES.has(sniffed) && binaryEvidence(bytes) === null;

const isBinaryFormat = (parser: Parser): boolean => !parser.mediaTypes.some((m) => m.startsWith('text/'));
const ZIP_BASED = /^application\/(?:vnd\.openxmlformats-|vnd\.oasis\.opendocument\.|epub\+zip$)/;
const isZipBased = (parser: Parser): boolean => parser.mediaTypes.some((m) => ZIP_BASED.test(m));

/** Why the bytes cannot be text, or null when they can. */
function binaryEvidence(bytes: Buffer): string | null {
  if (hasUtf16Bom(bytes)) return null;
  const head = bytes.subarray(0, SNIFF_BYTES);
  if (head.includes(0)) return 'NUL bytes';
  let control = 0;
  for (const b of head) if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) control++;
  // Real text has almost no C0 control characters; a few stray ones (form feeds, escapes) are fine.
  return head.length > 0 && control / head.length > 0.05 ? 'control characters' : null;
}

function unsupported(parsers: readonly Parser[], name: string, mime: string, prefix: string): AppError {
  const what = prefix === '' ? mime : `${prefix} ${mime}`;
  return new AppError('parser.unsupported_type', `no parser for ${name} (${what}): supported: ${supported(parsers)}`, { name, mimeType: mime });
}

function supported(parsers: readonly Parser[]): string {
  return parsers.map((p) => `${p.id} (${p.extensions.join(', ')})`).join('; ');
}
