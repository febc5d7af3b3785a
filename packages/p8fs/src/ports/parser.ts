import type { ParsedDocument } from '../domain/document.js';

export type { Block, ParsedDocument } from '../domain/document.js';

export interface ParseInput {
  bytes: Buffer;
  /** file name, for extension hints and titles */
  name: string;
  /** sniffed or declared media type */
  mimeType: string;
}

/** A content parser. Registered explicitly in parsers/index.ts. */
export interface Parser {
  readonly id: string;
  /** Bump when output changes, so affected files can be re-processed. */
  readonly version: number;
  readonly mediaTypes: readonly string[];
  readonly extensions: readonly string[];
  /** Extract content or throw AppError('parser.failed', reason). Never return placeholder text. */
  parse(input: ParseInput): Promise<ParsedDocument>;
}

/** Which parser takes a file, the media type it is parsed as, and the rule that decided it. */
export interface ParserResolution {
  parser: Parser;
  mimeType: string;
  reason: string;
}

export interface ResolveInput {
  name: string;
  bytes: Buffer;
  declaredType?: string;
}

/** The set of parsers and the rule that picks one for a file. */
export interface ParserRegistry {
  list(): Parser[];
  /** Pick the parser for a file from its bytes, extension and declared type; throws parser.unsupported_type. */
  resolve(input: ResolveInput): Promise<ParserResolution>;
}
