import { AppError } from '../../domain/errors.js';
import { decodeText, hasTextBom } from '../text/decode.js';
import { checkWellFormed } from './well-formed.js';

/** A parsed XML file and what reading it found out. */
export interface XmlSource {
  doc: Document;
  /** How the bytes were decoded. */
  encoding: string;
  /** Entities the DOCTYPE declares; never expanded (see readXml). */
  declaredEntities: number;
}

const DECLARED_ENCODING = /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/;
const DOCTYPE = /<!DOCTYPE\b(?:[^[>]|\[[\s\S]*?\])*>/i;

/**
 * Decode, check and parse an XML file. Entity declarations in a DOCTYPE are never expanded:
 * xmldom neither fetches external entities (XXE) nor expands internal ones (billion laughs), it
 * leaves their references as written. So a hostile DTD costs nothing; its count goes in metadata.
 */
export async function readXml(bytes: Buffer, name: string): Promise<XmlSource> {
  const { text, encoding } = decodeXml(bytes);
  if (text.trim() === '') throw new AppError('parser.corrupt', `${name} is empty: no XML document`, { name });
  checkWellFormed(text, name);
  const { DOMParser } = await import('@xmldom/xmldom');
  const parser = new DOMParser({
    errorHandler: {
      warning: () => undefined,
      // Non-fatal errors are recoverable (an undeclared entity such as &nbsp; stays as written);
      // the structural check above has already refused anything xmldom would silently repair.
      error: () => undefined,
      fatalError: (msg: string) => {
        throw new AppError('parser.corrupt', `${name} is not well-formed XML: ${msg.split('\n')[0]!}`, { name });
      },
    },
  });
  const doc = parser.parseFromString(text, 'application/xml') as unknown as Document;
  if (doc.documentElement === null) throw new AppError('parser.corrupt', `${name} is not well-formed XML: no root element`, { name });
  const doctype = DOCTYPE.exec(text)?.[0] ?? '';
  return { doc, encoding, declaredEntities: doctype.match(/<!ENTITY\b/gi)?.length ?? 0 };
}

/** Decode XML bytes: a BOM, else the encoding the XML declaration names, else UTF-8 with a latin1 fallback. */
function decodeXml(bytes: Buffer): { text: string; encoding: string } {
  const declared = hasTextBom(bytes) ? undefined : DECLARED_ENCODING.exec(bytes.subarray(0, 256).toString('latin1'))?.[1]?.toLowerCase();
  if (declared !== undefined && !/^utf-?(?:8|16)/.test(declared)) {
    try {
      return { text: new TextDecoder(declared).decode(bytes), encoding: declared };
    } catch {
      // An encoding label TextDecoder does not know: fall through to the UTF-8/latin1 guess.
    }
  }
  return decodeText(bytes);
}
