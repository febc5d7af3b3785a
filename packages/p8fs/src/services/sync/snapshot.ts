import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { snapshotKey, SyncRecord } from '../../domain/e2e/records.js';
import { AppError } from '../../domain/errors.js';
import type { SyncStateRow } from '../sql/sync-state.js';
import type { SyncDeps } from './deps.js';

// Snapshots (decision 0018): the winning record of every object (tombstones included) and the
// trusted devices, as of one log position, sealed as one blob under a key derived from the epoch's
// vault key and the snapshot id. A new device applies the newest snapshot of the current epoch and
// pulls only the log after it, instead of replaying the whole log.

const Snapshot = z.object({ v: z.literal(1), tenant: z.string(), seq: z.number().int(), records: z.array(z.unknown()) });

/** Seal and upload a snapshot of the replica's state as of log position seq. */
export async function writeSnapshot(deps: SyncDeps, state: Map<string, SyncStateRow>, seq: number): Promise<{ id: string; bytes: number }> {
  const vault = deps.keys.keyed();
  const epoch = deps.keys.currentEpoch();
  const id = randomUUID();
  const records = [...deps.keys.memberRecords(), ...[...state.values()].map((s) => s.record)];
  const plain = Buffer.from(JSON.stringify({ v: 1, tenant: vault.tenantId, seq, records }), 'utf8');
  const key = snapshotKey(deps.keys.epochKey(epoch) as Uint8Array, vault.tenantId, id);
  const stored = await deps.relay.putSnapshot(id, { seq, epoch }, deps.cipher.seal((async function* () {
    for (let o = 0; o < plain.length; o += 1024 * 1024) yield plain.subarray(o, o + 1024 * 1024);
  })(), key, id));
  return { id, bytes: stored.size };
}

/**
 * The newest snapshot's records and the log position it covers, or null when there is none this
 * device may trust: only a snapshot of the newest epoch it holds counts (one of an older epoch could
 * come from a device revoked since, and the log is there to replay instead).
 */
export async function readSnapshot(deps: SyncDeps): Promise<{ seq: number; records: SyncRecord[]; bytes: number } | null> {
  const meta = await deps.relay.latestSnapshot();
  if (!meta || meta.epoch !== deps.keys.currentEpoch()) return null;
  const vault = deps.keys.keyed();
  const key = snapshotKey(deps.keys.epochKey(meta.epoch) as Uint8Array, vault.tenantId, meta.id);
  const chunks: Buffer[] = [];
  const sealed = await deps.relay.getSnapshot(meta.id);
  for await (const c of deps.cipher.open(sealed, key, meta.id, deps.cipher.plainSize(meta.size))) chunks.push(Buffer.from(c));
  const parsed = Snapshot.safeParse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
  if (!parsed.success || parsed.data.tenant !== vault.tenantId || parsed.data.seq !== meta.seq) {
    throw new AppError('blob.corrupt', `snapshot ${meta.id} does not describe this vault at position ${meta.seq}`);
  }
  const records = parsed.data.records.flatMap((r) => {
    const ok = SyncRecord.safeParse(r);
    return ok.success ? [ok.data] : [];
  });
  return { seq: meta.seq, records, bytes: meta.size };
}
