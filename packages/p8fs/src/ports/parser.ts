/** A structural block of extracted content. Chunking works on blocks, never on raw bytes. */
export type Block =
  | { kind: 'heading'; level: number; text: string; page?: number }
  | { kind: 'paragraph' | 'list' | 'code' | 'table' | 'quote'; text: string; page?: number };

/** What a parser extracts from one file. */
export interface ParsedDocument {
  title: string | null;
  blocks: Block[];
  /** Format metadata kept on the file (frontmatter, page count, author, ...). */
  metadata: Record<string, unknown>;
}

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
