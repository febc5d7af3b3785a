import type { ParsedDocument } from '../domain/document.js';
import type { OcrEngine } from './ocr.js';
import type { ToolRunner } from './tools.js';
import type { Transcriber } from './transcriber.js';

export type { Artifact, Block, ChildFile, ParsedDocument, RejectedMember, TimeSpan } from '../domain/document.js';

export interface ParseInput {
  bytes: Buffer;
  /** file name, for extension hints and titles */
  name: string;
  /** sniffed or declared media type */
  mimeType: string;
}

/** Limits that keep one hostile or huge file from hurting anything else. */
export interface ParseLimits {
  /** Most members an archive (or attachments a message) may have. */
  maxMembers: number;
  /** Most bytes all of a container's members may expand to, together. */
  maxExpandedBytes: number;
  /** Most bytes one member may expand to. */
  maxMemberBytes: number;
  /** Largest expanded/compressed ratio for a member (zip bombs); small members are exempt. */
  maxRatio: number;
  /** How deep containers may nest (an archive in an archive is depth 2). */
  maxDepth: number;
  /** Longest audio or video transcribed, in seconds; the rest is left out and said so in metadata. */
  maxMediaSeconds: number;
  /** Most PDF pages OCR'd per file. */
  maxOcrPages: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = {
  maxMembers: 10_000,
  maxExpandedBytes: 1024 * 1024 * 1024,
  maxMemberBytes: 512 * 1024 * 1024,
  maxRatio: 200,
  maxDepth: 4,
  maxMediaSeconds: 4 * 60 * 60,
  maxOcrPages: 200,
};

/** What a parser may use besides the bytes. Built by the composition root, per parse run. */
export interface ParseContext {
  limits: ParseLimits;
  /** Nesting depth of the file being parsed: 0 for an upload, 1 for a member of it, ... */
  depth: number;
  tools: ToolRunner;
  /** null when OCR is switched off: image text is then left out and said so in metadata. */
  ocr: OcrEngine | null;
  /** null when transcription is switched off: parsers fail audio with transcriber.unavailable. */
  transcriber: Transcriber | null;
  /** A scratch folder for this run; removed afterwards. */
  tmpDir: string;
  /** Aborted when the run times out or the worker stops. */
  signal: AbortSignal;
}

/** A content parser. Registered explicitly in parsers/index.ts. */
export interface Parser {
  readonly id: string;
  /** Bump when output changes, so affected files can be re-processed. */
  readonly version: number;
  readonly mediaTypes: readonly string[];
  readonly extensions: readonly string[];
  /**
   * Generic containers the format lives in (application/zip for OOXML, application/x-cfb for
   * legacy Office and Outlook .msg). When the sniffed type is one of these, the extension decides.
   */
  readonly containers?: readonly string[];
  /**
   * Extract content or throw an AppError with a parser.* code and a readable reason. Never return
   * placeholder text. Parsers that need no context may ignore it.
   */
  parse(input: ParseInput, ctx: ParseContext): Promise<ParsedDocument>;
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

/** A parse request: the bytes, the file's name and declared type, and how deep it is nested. */
export type ParseRequest = ParseInput & { declaredType?: string | undefined; depth: number };

/** What a parse run returns: which parser took the file and why, and what it extracted. */
export interface ParseOutcome {
  resolution: { parserId: string; parserVersion: number; mimeType: string; reason: string };
  doc: ParsedDocument;
}

/**
 * Picks the parser for a file and runs it: in a worker thread with time and memory limits
 * (production), or inline. Throws AppErrors with parser.* / transcriber.* codes for bad files.
 */
export interface ParseRunner {
  parse(req: ParseRequest): Promise<ParseOutcome>;
  close(): Promise<void>;
}
