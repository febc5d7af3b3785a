import type { ParsedDocument } from '../../domain/document.js';
import type { SqlRunner } from '../../ports/db.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { FileRow } from '../sql/files.js';
import { agentDeriver } from './agent.js';
import { engramDeriver } from './engram.js';
import { linksDeriver } from './links.js';

/**
 * What a deriver sees: one file just parsed, inside the transaction that writes its resources.
 * A deriver turns the parse into more derived rows (graph edges, engram moments, agent
 * definitions). It runs on every (re)process of the file, so it must replace what it wrote for
 * the file before, never append twice.
 */
export interface DeriveContext {
  tx: SqlRunner;
  tenantId: string;
  file: FileRow;
  doc: ParsedDocument;
  /** Ids of the resources written for the file's chunks, in order (none when a deriver claimed the file). */
  resourceIds: readonly string[];
  /** For jobs that must follow the write (embedding rows that belong to no file), enqueued with `tx`. */
  queue: JobQueue;
}

export interface Deriver {
  /** Stable name, for logs. */
  readonly id: string;
  /**
   * True when this deriver writes the file's resources itself (an engram, an agent definition): the
   * pipeline then writes no chunks, and derive() returns the ids of the resources it wrote for the
   * file (the file's other resources are removed, the count and the embedding job cover these).
   * A malformed document fails the file: derive() throws a parser.failed AppError, nothing is kept.
   */
  claims?(doc: ParsedDocument): boolean;
  // biome-ignore lint/suspicious/noConfusingVoidType: derivers that claim nothing just return (Promise<void>).
  derive(ctx: DeriveContext): Promise<readonly string[] | undefined | void>;
}

/**
 * Every deriver, in the order they run. Explicit, like the parser registry: adding one is a
 * line here. Edges first: engrams and agents may add edges of their own on top.
 */
export const DERIVERS: readonly Deriver[] = [
  linksDeriver,
  engramDeriver,
  agentDeriver,
];
