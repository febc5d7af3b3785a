/**
 * REM (Resource-Entity-Moment) queries as the parser produces them: one typed node per form, with
 * every default and bound already applied, so the engine never re-reads the text.
 */

/** Tables LOOKUP may name as a `table:label` prefix (the graph's node tables). */
export const REM_NODE_TABLES = ['resources', 'files', 'moments', 'agents', 'entities'] as const;
export type RemNodeTable = (typeof REM_NODE_TABLES)[number];

/** Tables SEARCH may restrict to with `IN table`. */
export const REM_SEARCH_TABLES = ['resources', 'files', 'moments', 'agents'] as const;
export type RemSearchTable = (typeof REM_SEARCH_TABLES)[number];

export const REM_DIRECTIONS = ['out', 'in', 'both'] as const;
export type RemDirection = (typeof REM_DIRECTIONS)[number];

/** Bounds and defaults. A bound exceeded is a `rem.limit` error, never a silent clamp. */
export const REM_LIMITS = {
  search: { default: 10, max: 100 },
  fuzzy: { default: 10, max: 100 },
  /** Entry nodes a TRAVERSE's SEARCH contributes: a walk fans out from each one. */
  traverseEntry: { default: 5, max: 20 },
  traverse: { default: 25, max: 200 },
  depth: { default: 1, max: 5 },
  lookupKeys: 50,
} as const;

export interface LookupKey {
  label: string;
  table?: RemNodeTable;
}

export interface LookupQuery {
  kind: 'lookup';
  keys: LookupKey[];
}

export interface FuzzyQuery {
  kind: 'fuzzy';
  text: string;
  limit: number;
  /** Trigram similarity floor 0..1; undefined = the graph service's default. */
  threshold?: number;
}

export interface SearchQuery {
  kind: 'search';
  text: string;
  table?: RemSearchTable;
  limit: number;
  /** Normalised score floor 0..1 (the engine documents the scale); undefined = no floor. */
  threshold?: number;
}

export interface SqlQuery {
  kind: 'sql';
  /** The statement as written; the SQL guard parses and checks it. */
  sql: string;
}

export interface TraverseQuery {
  kind: 'traverse';
  /** PLAN (or DEPTH 0): report what a walk would find without walking. */
  plan: boolean;
  /** Edge types to follow; empty = every type. */
  relTypes: string[];
  entry: LookupQuery | SearchQuery;
  depth: number;
  direction: RemDirection;
  limit: number;
}

export type RemQuery = LookupQuery | FuzzyQuery | SearchQuery | SqlQuery | TraverseQuery;

/** The words a REM query can start with; anything else is natural language (or a mistake). */
export const REM_STATEMENT_KEYWORDS = ['LOOKUP', 'GET', 'FUZZY', 'SEARCH', 'TRAVERSE', 'SELECT', 'WITH'] as const;

/** A one-screen reminder of the forms, for errors and for a planner's prompt. */
export const REM_SYNTAX = [
  'LOOKUP label[, label...]            (alias GET; a label may be "quoted" or table:label)',
  'FUZZY text [LIMIT n] [THRESHOLD x]',
  'SEARCH "text" [IN resources|files|moments|agents] [LIMIT n] [THRESHOLD x]',
  'SELECT ... | WITH ... SELECT ...     (read-only SQL over your own rows)',
  'TRAVERSE [PLAN] [[rel, types]] WITH LOOKUP label | SEARCH "text" [DEPTH n] [DIRECTION out|in|both] [LIMIT n]',
].join('\n');
