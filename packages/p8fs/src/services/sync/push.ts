import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SyncRecordIn } from '@p8fs/contracts';
import { mapLimited, splitBatches } from '../../domain/collections.js';
import { b64u, fromB64u } from '../../domain/e2e/bytes.js';
import { type FileData, sealRecord, type SyncRecord } from '../../domain/e2e/records.js';
import type { SyncStateRow } from '../sql/sync-state.js';
import { saveSyncState } from '../sql/sync-state.js';
import type { SyncDeps, SyncRun, SyncSummary } from './deps.js';
import { type LocalObject, scanLocal } from './local-objects.js';

/** Records of about this many sealed bytes go up in one request. */
const BATCH_BYTES = 4 * 1024 * 1024;
const BATCH_RECORDS = 400;
/** Changed objects handled together: their blobs upload in parallel, then their records are queued. */
const GROUP = 64;
const UPLOADS_AT_ONCE = 4;

type Change = { record: SyncRecord; state: SyncStateRow };

/**
 * Push local changes: a scan of the replica's canonical objects against sync_state finds what is
 * new, changed or gone since the last push or apply; each becomes a record (a file's bytes go up
 * first, sealed under a fresh blob key), sealed under the newest epoch and appended to the log.
 * sync_state moves only after the relay took a batch, so a failed push is simply found again.
 */
export async function pushChanges(deps: SyncDeps, run: SyncRun, state: Map<string, SyncStateRow>, summary: SyncSummary): Promise<void> {
  const vault = deps.keys.keyed();
  const tenant = deps.owner.tenantId;
  const local = await scanLocal(deps.db, tenant);
  const pending: Change[] = [];
  const flush = async () => {
    if (pending.length === 0) return;
    const epoch = deps.keys.currentEpoch();
    const key = deps.keys.epochKey(epoch) as Uint8Array;
    const records: SyncRecordIn[] = pending.map(({ record }) => {
      const recordId = randomUUID();
      return { record_id: recordId, epoch, body: b64u(sealRecord(key, { tenantId: vault.tenantId, recordId, epoch }, record)) };
    });
    await deps.relay.push(records);
    await saveSyncState(deps.db, tenant, pending.map((c) => c.state));
    for (const c of pending) state.set(c.state.object_key, c.state);
    summary.pushed.records += records.length;
    summary.pushed.bytes += records.reduce((n, r) => n + r.body.length * 0.75, 0);
    run.progress(`pushed ${summary.pushed.records} change${summary.pushed.records === 1 ? '' : 's'}`);
    pending.length = 0;
  };
  let batched = 0;
  const add = async (c: Change, size: number) => {
    pending.push(c);
    batched += size;
    if (pending.length >= BATCH_RECORDS || batched >= BATCH_BYTES) {
      await flush();
      batched = 0;
    }
  };

  const changed = [...local.values()].filter((obj) => {
    const st = state.get(obj.key);
    return !(st && !st.deleted && st.digest === obj.digest);
  });
  // Blobs go up a few at a time (the relay may be far away); records follow in scan order.
  for (const group of splitBatches(changed, GROUP)) {
    const data = await mapLimited(group, UPLOADS_AT_ONCE, (obj) => (obj.kind === 'file' ? uploadFile(deps, obj, state.get(obj.key), summary) : Promise.resolve(null)));
    for (const [i, obj] of group.entries()) {
      const common = { v: 1 as const, key: obj.key, hlc: run.clock.tick(), device: vault.deviceId, base: state.get(obj.key)?.hlc ?? '' };
      let record: SyncRecord;
      if (obj.kind === 'file') {
        const d = data[i];
        if (!d) continue;
        record = { ...common, kind: 'file', op: 'put', data: d };
        summary.pushed.files++;
      } else if (obj.kind === 'moment') {
        record = { ...common, kind: 'moment', op: 'put', data: obj.data };
        summary.pushed.moments++;
      } else {
        record = { ...common, kind: 'edge', op: 'put', data: obj.data };
        summary.pushed.edges++;
      }
      await add({ record, state: toState(record, obj.digest) }, JSON.stringify(record).length);
    }
  }
  for (const st of [...state.values()]) {
    if (st.deleted || local.has(st.object_key)) continue;
    const record: SyncRecord = { v: 1, key: st.object_key, kind: st.kind, op: 'delete', hlc: run.clock.tick(), device: vault.deviceId, base: st.hlc };
    summary.pushed.deletes++;
    await add({ record, state: toState(record, null) }, 300);
  }
  await flush();
}

/** The state row a pushed record leaves behind. */
export function toState(record: SyncRecord, digest: string | null): SyncStateRow {
  return {
    object_key: record.key, kind: record.kind as SyncStateRow['kind'], hlc: record.hlc, device_id: record.device,
    deleted: record.op === 'delete', digest, record: record as unknown as Record<string, unknown>,
  };
}

/**
 * A file's record data, its bytes sealed and uploaded first (under a fresh id and key). A rename
 * of unchanged content reuses the blob already up. Null when the file changed while it was read
 * (the next scan sees the newer content).
 */
async function uploadFile(deps: SyncDeps, obj: LocalObject & { kind: 'file' }, st: SyncStateRow | undefined, summary: SyncSummary): Promise<FileData | null> {
  const f = obj.file;
  const meta = { uri: f.uri, name: f.name, mime_type: f.mime_type, metadata: f.metadata, size: f.size, sha256: f.content_hash };
  const before = st && !st.deleted ? (st.record as { data?: FileData }).data : undefined;
  if (before?.sha256 === f.content_hash && before.blob) return { ...meta, blob: before.blob };
  const blob = { id: randomUUID(), key: b64u(new Uint8Array(randomBytes(32))) };
  const { stream } = await deps.files.content(deps.owner, f.id);
  const hash = createHash('sha256');
  let size = 0;
  const plain = (async function* () {
    for await (const chunk of stream) {
      hash.update(chunk as Uint8Array);
      size += (chunk as Uint8Array).byteLength;
      yield chunk as Uint8Array;
    }
  })();
  await deps.relay.putBlob(blob.id, deps.cipher.seal(plain, fromB64u(blob.key), blob.id));
  if (hash.digest('hex') !== f.content_hash || size !== f.size) {
    deps.log.info({ uri: f.uri }, 'e2e: a file changed while it was pushed; the next sync sends the new content');
    return null;
  }
  summary.pushed.bytes += deps.cipher.sealedSize(size);
  return { ...meta, blob };
}
