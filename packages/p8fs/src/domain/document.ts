/** A span of a recording, in seconds from its start. */
export interface TimeSpan {
  start: number;
  end: number;
}

interface BlockPosition {
  /** 1-based page, for paged formats. */
  page?: number;
  /** Where in a recording the block was said, for audio and video. A chunk never spans two spans. */
  time?: TimeSpan;
}

/** A structural block of extracted content. Chunking works on blocks, never on raw bytes. */
export type Block =
  | ({ kind: 'heading'; level: number; text: string } & BlockPosition)
  | ({ kind: 'paragraph' | 'list' | 'code' | 'table' | 'quote'; text: string } & BlockPosition);

/**
 * A file found inside another (an archive member, an e-mail attachment, a message in a mailbox).
 * The vault stores it as its own file, linked to its parent, and processes it in turn.
 */
export interface ChildFile {
  /** Relative path inside the parent, '/'-separated, already checked safe (no '..', not absolute). */
  path: string;
  bytes: Buffer;
  /** Declared type, when the container says one (MIME part headers). Sniffing still decides. */
  mimeType?: string;
  metadata?: Record<string, unknown>;
}

/** A member a container parser refused (unsafe path, symlink, encrypted, too deep): the rest goes on. */
export interface RejectedMember {
  path: string;
  code: string;
  reason: string;
}

/** A derived binary kept next to the original: a thumbnail, a video keyframe. */
export interface Artifact {
  /** Unique within the file, e.g. 'thumbnail', 'keyframe-1'. */
  name: string;
  role: 'thumbnail' | 'keyframe';
  mimeType: string;
  bytes: Buffer;
  metadata?: Record<string, unknown>;
}

/**
 * A relation a parser found in the content, addressed by human label: a Markdown link or
 * [[wikilink]], a frontmatter relation or tag, an e-mail's sender and recipients, a document's
 * author. The ingest pipeline turns these into graph edges from the file.
 */
export interface DocLink {
  /** The label of the node linked to ("Sarah Chen", "projects/q4.md", "#planning"). */
  target: string;
  /** Edge type, lower snake case: links_to, tagged, sent_by, sent_to, authored_by, or a frontmatter key. */
  rel: string;
  /** What kind of node the target is, when the format says (person, tag, email, document). */
  targetType?: string;
  weight?: number;
  properties?: Record<string, unknown>;
}

/** What a parser extracts from one file. */
export interface ParsedDocument {
  title: string | null;
  blocks: Block[];
  /** Format metadata kept on the file (frontmatter, page count, author, EXIF, duration, ...). */
  metadata: Record<string, unknown>;
  /** Files inside this one, stored and processed as child files. */
  children?: ChildFile[];
  /** Members refused; recorded on the parent file, listed in its metadata. */
  rejected?: RejectedMember[];
  /** Derived binaries (thumbnails, keyframes) stored in the blob store. */
  artifacts?: Artifact[];
  /** Relations to other nodes, for the knowledge graph. */
  links?: DocLink[];
  /**
   * The parsed value of a structured document the vault acts on (a `kind: engram` or
   * `p8-type: agent` YAML/JSON), so derivers need not parse the bytes again. Not kept on the file row.
   */
  structured?: unknown;
}
