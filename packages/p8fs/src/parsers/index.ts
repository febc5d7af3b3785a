import { extname } from 'node:path';
import { AppError } from '../domain/errors.js';
import type { Parser, ParserRegistry, ParserResolution, ResolveInput } from '../ports/parser.js';

export type { ParserRegistry, ParserResolution, ResolveInput };
import { gzipParser, sevenZipParser, tarParser, zipParser } from './archive/index.js';
import { codeParser } from './code/code-parser.js';
import { docxParser } from './docx/docx-parser.js';
import { emlParser } from './email/eml-parser.js';
import { mboxParser } from './email/mbox-parser.js';
import { msgParser } from './email/msg-parser.js';
import { docParser } from './legacy/doc-parser.js';
import { pptParser } from './legacy/ppt-parser.js';
import { xlsParser } from './legacy/xls-parser.js';
import { epubParser } from './epub/epub-parser.js';
import { htmlParser } from './html/html-parser.js';
import { imageParser } from './image/image-parser.js';
import { markdownParser } from './markdown/markdown-parser.js';
import { notebookParser } from './notebook/notebook-parser.js';
import { xmlParser } from './xml/xml-parser.js';
import { audioParser, videoParser } from './media/media-parsers.js';
import { odpParser, odsParser, odtParser } from './odf/odf-parsers.js';
import { pdfParser } from './pdf/pdf-parser.js';
import { pptxParser } from './pptx/pptx-parser.js';
import { rtfParser } from './rtf/rtf-parser.js';
import { hasTextBom, hasUtf16Bom } from './text/decode.js';
import { csvParser } from './spreadsheet/csv-parser.js';
import { jsonParser } from './structured/json-parser.js';
import { yamlParser } from './structured/yaml-parser.js';
import { xlsxParser } from './spreadsheet/xlsx-parser.js';
import { textParser } from './text/text-parser.js';

/** Every parser, explicitly. Add a format here; nothing is discovered. */
export const PARSERS: readonly Parser[] = [
  pdfParser, docxParser, xlsxParser, pptxParser, odtParser, odsParser, odpParser, epubParser,
  docParser, xlsParser, pptParser, rtfParser, emlParser, mboxParser, msgParser, zipParser, tarParser, gzipParser, sevenZipParser,
  imageParser, audioParser, videoParser, notebookParser, xmlParser,
  htmlParser, markdownParser, csvParser, jsonParser, yamlParser, codeParser, textParser,
];

// file-type recognises containers (zip, OLE2/CFB, xml) that several of our formats live in; these
// do not settle the question on their own and fall through to the extension and declared type.
const CONTAINER_TYPES = new Set(['application/zip', 'application/x-cfb', 'application/xml', 'text/xml']);
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
    // OOXML/ODF files are zips and legacy Office files are CFB; file-type names them only when their
    // manifest comes early, else the bare container. The container must at least be the right one.
    if (sniffed !== undefined && livesIn(claimed, sniffed)) {
      return { parser: claimed, mimeType: claimed.mediaTypes[0]!, reason: `${containerName(sniffed)} container, ${claim}` };
    }
    throw new AppError('parser.unsupported_type', `${input.name} claims ${claimed.mediaTypes[0]} (${claim}) but its content is not ${claimed.id.toUpperCase()}`, {
      name: input.name,
      mimeType: sniffed ?? null,
    });
  }
  // 3. A bare container named as nothing more specific: its own parser (a plain zip archive), if any.
  if (sniffed === 'application/zip' || sniffed === 'application/x-cfb') {
    const generic = parsers.find((p) => p.mediaTypes.includes(sniffed));
    if (generic !== undefined) return { parser: generic, mimeType: sniffed, reason: `content sniffed as ${sniffed}` };
    throw unsupported(parsers, input.name, sniffed, 'content sniffed as');
  }
  // 4. Text formats: refuse binary content that only claims to be text.
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

// Text formats whose media types are not text/*: they have no signature to demand.
const TEXT_MEDIA_TYPES = new Set(['message/rfc822', 'application/mbox', 'application/json', 'application/xml', 'application/x-ipynb+json']);
const isBinaryFormat = (parser: Parser): boolean => !parser.mediaTypes.some((m) => m.startsWith('text/') || TEXT_MEDIA_TYPES.has(m));
const ZIP_BASED = /^application\/(?:vnd\.openxmlformats-|vnd\.oasis\.opendocument\.|epub\+zip$)/;
/** True when the parser's format is stored in this generic container (declared, or OOXML/ODF/EPUB in zip). */
const livesIn = (parser: Parser, container: string): boolean =>
  parser.mediaTypes.includes(container) ||
  (parser.containers ?? []).includes(container) ||
  (container === 'application/zip' && parser.mediaTypes.some((m) => ZIP_BASED.test(m)));
const containerName = (mime: string): string => (mime === 'application/x-cfb' ? 'OLE2 (CFB)' : 'zip');

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
