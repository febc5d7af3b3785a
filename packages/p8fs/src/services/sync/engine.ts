import { HybridClock } from '../../domain/e2e/hlc.js';
import { filesInFlight, loadReplica, loadSyncState, saveReplica } from '../sql/sync-state.js';
import { emptySummary, type SyncDeps, type SyncSummary } from './deps.js';
import { applyWinners, pullChanges, winners } from './pull.js';
import { pushChanges } from './push.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

export interface SyncEngineOptions {
  /** Write a snapshot once the log has grown this many records past the last one (0: never). */
  snapshotEvery: number;
}

/** Options of one pass. */
export interface SyncOnceOptions {
  progress?: (line: string) => void;
  /** Skip the snapshot on a fresh replica and replay the whole log (the benchmark compares both). */
  replayLog?: boolean;
}

/**
 * The device side of an end-to-end vault (decision 0018). One pass: learn new key epochs; on a fresh
 * replica, start from the newest snapshot; push local changes; pull and apply the log; push again
 * when the pull left conflict copies or deferred changes; write a snapshot when the log has grown.
 */
export class SyncEngine {
  private running: Promise<SyncSummary> | null = null;

  constructor(private readonly deps: SyncDeps, private readonly opts: SyncEngineOptions) {}

  /** One sync pass; a pass asked for while one runs joins it. */
  syncOnce(o: SyncOnceOptions = {}): Promise<SyncSummary> {
    this.running ??= this.pass(o).finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Files the replica has not finished ingesting (pulled files are parsed and embedded here). */
  inFlight(): Promise<number> {
    return filesInFlight(this.deps.db, this.deps.owner.tenantId);
  }

  /**
   * A snapshot is due once the log grew snapshotEvery records past the last one, or when the newest
   * snapshot is of an older key epoch than this device's (after a rotation new devices trust only a
   * snapshot of the newest epoch, and would otherwise replay the log until the next one).
   */
  private async snapshotDue(replica: { cursor_seq: number; snapshot_seq: number }): Promise<boolean> {
    const grown = replica.cursor_seq - replica.snapshot_seq;
    if (grown >= this.opts.snapshotEvery) return true;
    if (grown <= 0 && replica.snapshot_seq > 0) return false;
    const latest = await this.deps.relay.latestSnapshot();
    return latest !== null && latest.epoch < this.deps.keys.currentEpoch() && replica.cursor_seq > latest.seq;
  }

  private async pass(o: SyncOnceOptions): Promise<SyncSummary> {
    const started = Date.now();
    const { deps } = this;
    const tenant = deps.owner.tenantId;
    const summary = emptySummary();
    const run = { clock: new HybridClock((await loadReplica(deps.db, tenant)).hlc), progress: o.progress ?? (() => {}) };
    await deps.keys.refresh();
    deps.keys.keyed();
    const state = await loadSyncState(deps.db, tenant);
    let replica = await loadReplica(deps.db, tenant);
    if (replica.cursor_seq === 0 && state.size === 0 && !o.replayLog) {
      const snap = await readSnapshot(deps);
      if (snap) {
        run.progress(`applying snapshot at ${snap.seq} (${snap.records.length} objects)`);
        for (const r of snap.records) run.clock.receive(r.hlc);
        await applyWinners(deps, winners(snap.records), state, summary);
        replica = { cursor_seq: snap.seq, hlc: run.clock.current(), snapshot_seq: snap.seq };
        await saveReplica(deps.db, tenant, replica);
        summary.snapshot.loaded = snap.seq;
        summary.snapshot.objects = snap.records.length;
        summary.pulled.bytes += snap.bytes;
      }
    }
    await pushChanges(deps, run, state, summary);
    replica = await pullChanges(deps, run, state, summary);
    if (summary.conflicts > 0 || summary.pulled.deferred > 0) {
      await pushChanges(deps, run, state, summary);
      replica = await pullChanges(deps, run, state, summary);
    }
    replica.hlc = run.clock.current();
    if (this.opts.snapshotEvery > 0 && replica.cursor_seq >= summary.head && summary.pulled.deferred === 0 && (await this.snapshotDue(replica))) {
      await writeSnapshot(deps, state, replica.cursor_seq);
      replica.snapshot_seq = replica.cursor_seq;
      summary.snapshot.written = replica.cursor_seq;
    }
    await saveReplica(deps.db, tenant, replica);
    summary.cursor = replica.cursor_seq;
    summary.epoch = deps.keys.currentEpoch();
    summary.ms = Date.now() - started;
    return summary;
  }
}
