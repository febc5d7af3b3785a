import type { SyncRecordOut } from '@p8fs/contracts';
import { fromB64u } from '../../domain/e2e/bytes.js';
import { compareVersions } from '../../domain/e2e/hlc.js';
import { openRecord, type SyncRecord } from '../../domain/e2e/records.js';
import { AppError } from '../../domain/errors.js';
import { loadReplica, type ReplicaRow, saveReplica, saveSyncState, type SyncStateRow } from '../sql/sync-state.js';
import { applyRecord, keepConflictCopy, keyMatches } from './apply.js';
import type { SyncDeps, SyncRun, SyncSummary } from './deps.js';
import { readLocal } from './local-objects.js';
import { toState } from './push.js';

const PAGE = 500;

/**
 * Pull the log after this replica's position, page by page: each record is opened with its epoch's
 * key (a record that does not authenticate, or whose key does not match its data, is rejected and
 * counted, never applied), then per object the newest record by (HLC, device id) wins. A winner
 * newer than what the replica last pushed or applied is applied; the position moves once a page is
 * done, so a page cut short is pulled again and applied idempotently.
 */
export async function pullChanges(deps: SyncDeps, run: SyncRun, state: Map<string, SyncStateRow>, summary: SyncSummary): Promise<ReplicaRow> {
  const tenant = deps.owner.tenantId;
  const replica = await loadReplica(deps.db, tenant);
  for (;;) {
    const page = await deps.relay.pull(replica.cursor_seq, PAGE);
    summary.head = page.head;
    if (page.records.length === 0) break;
    const opened = await openPage(deps, page.records, summary);
    for (const r of opened) run.clock.receive(r.hlc);
    await applyWinners(deps, winners(opened), state, summary);
    replica.cursor_seq = (page.records.at(-1) as SyncRecordOut).seq;
    replica.hlc = run.clock.current();
    await saveReplica(deps.db, tenant, replica);
    run.progress(`pulled ${replica.cursor_seq} of ${page.head}`);
    if (replica.cursor_seq >= page.head) break;
  }
  summary.cursor = replica.cursor_seq;
  return replica;
}

/** Open a page's records; rejected ones are counted and dropped. */
async function openPage(deps: SyncDeps, records: readonly SyncRecordOut[], summary: SyncSummary): Promise<SyncRecord[]> {
  const vault = deps.keys.keyed();
  const out: SyncRecord[] = [];
  for (const rec of records) {
    summary.pulled.records++;
    summary.pulled.bytes += rec.body.length * 0.75;
    let key = deps.keys.epochKey(rec.epoch);
    if (!key) {
      await deps.keys.refresh();
      key = deps.keys.epochKey(rec.epoch);
    }
    if (!key) {
      throw new AppError('e2e.no_keys', `this device holds no key for epoch ${rec.epoch} of the vault: if it was revoked, what was written since is not for it to read; otherwise sync again once its keys arrive`);
    }
    const r = openRecord(key, { tenantId: vault.tenantId, recordId: rec.record_id, epoch: rec.epoch }, fromB64u(rec.body));
    if (!r || !keyMatches(r)) {
      summary.pulled.rejected++;
      deps.log.warn({ seq: rec.seq, record: rec.record_id }, 'e2e: a record failed authentication (tampered, or replayed under another id or epoch); rejected');
      continue;
    }
    out.push(r);
  }
  return out;
}

/** Per object key, the newest record of a batch (in the order they first appeared). */
export function winners(records: readonly SyncRecord[]): SyncRecord[] {
  const best = new Map<string, SyncRecord>();
  for (const r of records) {
    const cur = best.get(r.key);
    if (!cur || compareVersions(r, cur) > 0) best.set(r.key, r);
  }
  return [...best.values()];
}

/**
 * Apply the winners that are newer than the replica's state. A local change not pushed yet is left
 * alone (it will be pushed with a later clock and win). A file this device wrote that loses to a
 * change made without seeing it is first kept under a conflict name.
 */
export async function applyWinners(deps: SyncDeps, records: readonly SyncRecord[], state: Map<string, SyncStateRow>, summary: SyncSummary): Promise<void> {
  const me = deps.keys.keyed().deviceId;
  const tenant = deps.owner.tenantId;
  for (const r of records) {
    if (r.kind === 'member') {
      deps.keys.applyMember(r);
      continue;
    }
    const st = state.get(r.key);
    if (st && compareVersions(r, { hlc: st.hlc, device: st.device_id }) <= 0) {
      summary.pulled.older++;
      continue;
    }
    const cur = await readLocal(deps.db, tenant, r.key);
    const expected = st && !st.deleted ? st.digest : null;
    if ((cur?.digest ?? null) !== expected) {
      summary.pulled.deferred++;
      continue;
    }
    const changes = r.op === 'delete' || (r.kind === 'file' && (st?.record as { data?: { sha256?: string } })?.data?.sha256 !== r.data.sha256);
    if (st && !st.deleted && st.device_id === me && st.kind === 'file' && r.base < st.hlc && changes) {
      if (await keepConflictCopy(deps, r.key, st.hlc, me)) summary.conflicts++;
    }
    const { outcome, bytes } = await applyRecord(deps, r);
    summary.pulled.bytes += bytes;
    if (outcome === 'rejected') {
      summary.pulled.rejected++;
      continue;
    }
    summary.pulled.applied++;
    const after = await readLocal(deps.db, tenant, r.key);
    const row = toState(r, after?.digest ?? null);
    state.set(r.key, row);
    await saveSyncState(deps.db, tenant, [row]);
  }
}
