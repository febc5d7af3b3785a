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
