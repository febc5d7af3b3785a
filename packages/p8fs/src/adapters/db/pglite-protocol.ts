// Messages between the main thread (pglite-worker.ts) and the database thread (pglite.worker.ts).

/** What the database thread opens, and the statements it runs after every open (session settings). */
export interface EngineStart {
  dir: string;
  init: readonly string[];
}

/** One request; the main thread sends the next only after this one's reply. */
export type EngineRequest =
  | { id: number; op: 'query'; sql: string; params: unknown[] }
  | { id: number; op: 'exec'; sql: string }
  | { id: number; op: 'close' }
  // The data dir as a gzipped tar (PGlite's dumpDataDir), for `p8fs backup`.
  | { id: number; op: 'dump' };

/** A reply by request id; id 0 says the engine is open (or could not open: error). */
export interface EngineReply {
  id: number;
  rows?: unknown[];
  /** op dump: the archive's bytes (transferred, not copied). */
  dump?: Uint8Array;
  error?: { message: string; code?: string; [field: string]: string | number | undefined };
}
