import type { Block, ParsedDocument, TimeSpan } from './document.js';
import { AppError } from './errors.js';
import { countTokens, packSegments, splitSentences, tailText } from './text-split.js';

export { countTokens } from './text-split.js';

/** One retrievable piece of a document. `ordinal` is 0-based and stable for the same input. */
export interface Chunk {
  ordinal: number;
  text: string;
  /** Enclosing headings, outermost first. */
  headingPath: string[];
  /** 1-based page of the chunk's first block, for paged formats. */
  page: number | null;
  /** countTokens(text). */
  tokens: number;
  /** Where in a recording the chunk was said; a chunk never spans two timed blocks. */
  time: TimeSpan | null;
}

export interface ChunkOptions {
  /** Upper bound per chunk, overlap included. */
  chunkTokens: number;
  /** Tail of the previous chunk of the same section repeated at the start of the next one. */
  overlapTokens: number;
}

type ContentBlock = Exclude<Block, { kind: 'heading' }>;
type Heading = Extract<Block, { kind: 'heading' }>;

interface Part {
  text: string;
  /** Prose can seed overlap; code and tables cannot (their tails are noise out of context). */
  prose: boolean;
}

interface Draft {
  parts: Part[];
  /** True once the draft holds content beyond headings and overlap. */
  hasContent: boolean;
  headingPath: string[];
  page: number | null;
  time: TimeSpan | null;
}

interface State {
  opts: ChunkOptions;
  chunks: Chunk[];
  stack: Heading[];
  /** Headings seen since the last content; they open the next chunk so heading text is never lost. */
  pending: Heading[];
  draft: Draft | null;
}

// Below this, pieces become a few words and chunks stop carrying meaning.
const MIN_CHUNK_TOKENS = 16;

/**
 * Split a parsed document into chunks that follow its structure: a heading starts a new chunk,
 * paragraphs are packed up to `chunkTokens`, over-long blocks are split at sentence (then word)
 * boundaries, and a continuation chunk repeats ~`overlapTokens` of tail sentences of the previous
 * chunk of the same section. Deterministic; never emits an empty chunk.
 */
export function chunkDocument(doc: ParsedDocument, opts: ChunkOptions): Chunk[] {
  const state: State = { opts: normalise(opts), chunks: [], stack: [], pending: [], draft: null };
  for (const block of doc.blocks) {
    if (block.kind === 'heading') onHeading(state, block);
    else onContent(state, block);
  }
  flush(state);
  // Headings with no content after them (a trailing heading, a headings-only file) still count.
  if (state.pending.length > 0) {
    state.draft = openDraft(state);
    state.draft.hasContent = true;
    flush(state);
  }
  return state.chunks;
}

function normalise(opts: ChunkOptions): ChunkOptions {
  if (!Number.isInteger(opts.chunkTokens) || opts.chunkTokens < MIN_CHUNK_TOKENS) {
    throw new AppError('validation_failed', `chunkTokens must be an integer >= ${MIN_CHUNK_TOKENS}, got ${opts.chunkTokens}`);
  }
  if (!Number.isInteger(opts.overlapTokens) || opts.overlapTokens < 0) {
    throw new AppError('validation_failed', `overlapTokens must be a non-negative integer, got ${opts.overlapTokens}`);
  }
  // Overlap above half the budget would make chunks mostly repetition; cap it.
  return { chunkTokens: opts.chunkTokens, overlapTokens: Math.min(opts.overlapTokens, Math.floor(opts.chunkTokens / 2)) };
}

function onHeading(state: State, heading: Heading): void {
  flush(state);
  while (state.stack.length > 0 && state.stack[state.stack.length - 1]!.level >= heading.level) state.stack.pop();
  state.stack.push(heading);
  state.pending.push(heading);
}

function onContent(state: State, block: ContentBlock): void {
  const { chunkTokens, overlapTokens } = state.opts;
  const headingTokens = state.draft === null ? sumTokens(state.pending.map(renderHeading)) : 0;
  // Leave room for whatever may precede a piece in its chunk: the opening headings or the overlap.
  const budget = Math.max(MIN_CHUNK_TOKENS / 2, chunkTokens - Math.max(overlapTokens, headingTokens));
  // A timed block (a transcribed speech segment) is its own chunk, so its uri can point at #t=start,end.
  if (block.time !== undefined) flush(state);
  for (const piece of splitBlock(block, budget)) {
    addPiece(state, { text: piece, prose: isProse(block) && block.time === undefined }, block.page);
    if (block.time !== undefined && state.draft !== null) {
      state.draft.time = block.time;
      flush(state);
    }
  }
}

function addPiece(state: State, part: Part, page: number | undefined): void {
  const pieceTokens = countTokens(part.text);
  let draft = state.draft;
  if (draft?.hasContent && draftTokens(draft) + pieceTokens > state.opts.chunkTokens) {
    const overlap = overlapFrom(draft, state.opts.overlapTokens);
    flush(state);
    draft = { parts: overlap === '' ? [] : [{ text: overlap, prose: true }], hasContent: false, headingPath: headingPath(state), page: null, time: null };
    state.draft = draft;
  }
  if (draft === null) {
    draft = openDraft(state);
    state.draft = draft;
  }
  draft.parts.push(part);
  draft.hasContent = true;
  if (draft.page === null && page !== undefined) draft.page = page;
}

function openDraft(state: State): Draft {
  const page = state.pending.find((h) => h.page !== undefined)?.page ?? null;
  const parts = state.pending.map((h) => ({ text: renderHeading(h), prose: false }));
  state.pending = [];
  return { parts, hasContent: false, headingPath: headingPath(state), page, time: null };
}

function flush(state: State): void {
  const draft = state.draft;
  state.draft = null;
  if (draft === null || !draft.hasContent) return;
  const text = draft.parts.map((p) => p.text).join('\n\n').trim();
  if (text === '') return;
  state.chunks.push({ ordinal: state.chunks.length, text, headingPath: draft.headingPath, page: draft.page, tokens: countTokens(text), time: draft.time });
}

/** Tail sentences of the trailing prose parts of a draft, up to `budget` tokens. */
function overlapFrom(draft: Draft, budget: number): string {
  if (budget === 0) return '';
  const trailing: string[] = [];
  for (let i = draft.parts.length - 1; i >= 0 && draft.parts[i]!.prose; i--) trailing.unshift(draft.parts[i]!.text);
  return trailing.length === 0 ? '' : tailText(trailing.join(' '), budget);
}

/** Pieces of one block, each at most `budget` tokens; a block that fits stays whole. */
function splitBlock(block: ContentBlock, budget: number): string[] {
  const text = block.text.trim();
  if (text === '') return [];
  if (countTokens(text) <= budget) return [text];
  if (block.kind === 'paragraph') return packSegments(splitSentences(text), budget, ' ');
  // Lists, quotes, code and tables split between lines (items, rows), then by sentences or words.
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const segments = isProse(block) ? lines.flatMap((l) => (countTokens(l) > budget ? splitSentences(l) : [l])) : lines;
  return packSegments(segments, budget, '\n');
}

const isProse = (block: ContentBlock): boolean => block.kind === 'paragraph' || block.kind === 'list' || block.kind === 'quote';
const renderHeading = (h: Heading): string => `${'#'.repeat(Math.min(Math.max(h.level, 1), 6))} ${h.text}`;
const headingPath = (state: State): string[] => state.stack.map((h) => h.text);
const sumTokens = (texts: string[]): number => texts.reduce((n, t) => n + countTokens(t), 0);
const draftTokens = (draft: Draft): number => sumTokens(draft.parts.map((p) => p.text));
