import type { ParsedDocument } from '../../domain/document.js';
import type { SqlRunner } from '../../ports/db.js';
import type { FileRow } from '../sql/files.js';

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
  /** Ids of the resources written for the file's chunks, in order. */
  resourceIds: readonly string[];
}

export interface Deriver {
  /** Stable name, for logs. */
  readonly id: string;
  derive(ctx: DeriveContext): Promise<void>;
}

/**
 * Every deriver, in the order they run. Explicit, like the parser registry: adding one is a
 * line here. Edges first: engrams and agents may add edges of their own on top.
 */
export const DERIVERS: readonly Deriver[] = [];
