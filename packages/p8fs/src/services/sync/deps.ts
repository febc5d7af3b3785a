import type { Actor } from '../../domain/actor.js';
import type { HybridClock } from '../../domain/e2e/hlc.js';
import type { Db } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import type { SealedBlobCipher } from '../../ports/sealed-blob.js';
import type { SyncRelay } from '../../ports/sync-relay.js';
import type { FilesService } from '../files.js';
import type { GraphService } from '../graph/service.js';
import type { MomentsService } from '../moments.js';
import type { VaultKeysService } from './vault-keys.js';

/** What the device side of sync works with: the replica's own services, the relay, the keys. */
export interface SyncDeps {
  db: Db;
  files: FilesService;
  moments: MomentsService;
  graph: GraphService;
  /** The replica's owner: applying a pulled change is a write like any other on the device. */
  owner: Actor;
  relay: SyncRelay;
  keys: VaultKeysService;
  cipher: SealedBlobCipher;
  log: Logger;
}

/** One sync pass in one running: the clock and where progress goes. */
export interface SyncRun {
  clock: HybridClock;
  /** Progress lines (the CLI puts them on stderr). */
  progress: (line: string) => void;
}

/** What a sync pass did, in counts (what `p8fs sync --json` prints). */
export interface SyncSummary {
  pushed: { records: number; files: number; moments: number; edges: number; deletes: number; bytes: number };
  pulled: { records: number; applied: number; older: number; deferred: number; rejected: number; bytes: number };
  /** Files a concurrent change on another device won over, kept here under a conflict name (and pushed). */
  conflicts: number;
  /** The log position of a snapshot this pass started from (and how many objects it held), or wrote. */
  snapshot: { loaded: number | null; objects: number | null; written: number | null };
  /** The relay's log head and this replica's position in it. */
  head: number;
  cursor: number;
  epoch: number;
  ms: number;
}

/** An empty summary. */
export function emptySummary(): SyncSummary {
  return {
    pushed: { records: 0, files: 0, moments: 0, edges: 0, deletes: 0, bytes: 0 },
    pulled: { records: 0, applied: 0, older: 0, deferred: 0, rejected: 0, bytes: 0 },
    conflicts: 0, snapshot: { loaded: null, objects: null, written: null }, head: 0, cursor: 0, epoch: 0, ms: 0,
  };
}
