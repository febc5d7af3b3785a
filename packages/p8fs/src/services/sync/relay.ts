import type { Readable } from 'node:stream';
import type {
  EnvelopeDto, EnvelopeIn, PullRecordsResult, PushRecordsResult, StoredSyncBlob, SyncDeviceKey, SyncRecordIn, SyncSnapshotDto, SyncStatus,
} from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import { requirePermission } from '../../domain/scopes.js';
import type { BlobStore } from '../../ports/blob-store.js';
import type { Db } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import { isUuid } from '../files.js';
import { releaseBlobs } from '../blob-refs.js';
import * as sql from '../sql/e2e-relay.js';

/** Snapshots kept per vault: the newest, and one before it for a device that is reading it right now. */
const SNAPSHOTS_KEPT = 2;

/**
 * The relay of an end-to-end vault (decision 0018): an append-only log of sealed records, sealed
 * blobs, sealed snapshots, key envelopes and devices' public keys. It stores and hands back what
 * devices sealed; it checks who may do what (the actor's tenant, `sync`), never what anything says.
 */
export class SyncRelayService {
  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly log: Logger,
    /** Largest sealed blob or snapshot, in bytes. */
    readonly maxBytes: number,
  ) {}

  /** What the relay holds for the actor's vault. */
  async status(actor: Actor): Promise<SyncStatus> {
    requirePermission(actor, 'sync');
    const counts = await sql.relayCounts(this.db, actor.tenantId);
    const [latest] = await sql.listSnapshots(this.db, actor.tenantId, 1);
    return { head: await sql.headSeq(this.db, actor.tenantId), ...counts, snapshot: latest ? snapshotDto(latest) : null };
  }

  /** Append records to the log; a record id seen before keeps its first position (pushes are idempotent). */
  async push(actor: Actor, records: readonly SyncRecordIn[]): Promise<PushRecordsResult> {
    requirePermission(actor, 'sync');
    const deviceId = deviceOf(actor);
    const bodies = records.map((r) => ({ ...r, bytes: decode(r.body, 'record body') }));
    if (new Set(records.map((r) => r.record_id)).size !== records.length) throw new AppError('validation_failed', 'a record id appears twice in one push');
    return this.db.transaction(async (tx) => {
      let head = await sql.lockLog(tx, actor.tenantId);
      const epoch = await sql.currentEpoch(tx, actor.tenantId);
      if (epoch === null) throw new AppError('e2e.no_keys', 'this vault has no keys yet: the device that created it has not finished setting it up');
      const tooNew = records.find((r) => r.epoch > epoch);
      if (tooNew) throw new AppError('validation_failed', `record ${tooNew.record_id} names key epoch ${tooNew.epoch}; the newest is ${epoch}`);
      const known = await sql.existingRecords(tx, actor.tenantId, records.map((r) => r.record_id));
      const fresh = bodies.filter((r) => !known.has(r.record_id)).map((r) => ({ ...r, seq: ++head, body: r.bytes }));
      await sql.appendRecords(tx, actor.tenantId, deviceId, fresh);
      const seqOf = new Map(fresh.map((r) => [r.record_id, r.seq]));
      return {
        records: records.map((r) => ({ record_id: r.record_id, seq: known.get(r.record_id) ?? (seqOf.get(r.record_id) as number), duplicate: known.has(r.record_id) })),
        head,
      };
    });
  }

  /** A page of the log after a position. */
  async pull(actor: Actor, after: number, limit: number): Promise<PullRecordsResult> {
    requirePermission(actor, 'sync');
    const rows = await sql.recordsAfter(this.db, actor.tenantId, after, limit);
    return {
      records: rows.map((r) => ({
        seq: r.seq, record_id: r.record_id, device_id: r.device_id, epoch: r.epoch,
        body: Buffer.from(r.body).toString('base64url'), created_at: new Date(r.created_at).toISOString(),
      })),
      head: await sql.headSeq(this.db, actor.tenantId),
    };
  }

  /** Store a sealed blob under a device-chosen id; the same id again keeps the first one. */
  async putBlob(actor: Actor, id: string, body: Readable | AsyncIterable<Uint8Array>): Promise<StoredSyncBlob> {
    requirePermission(actor, 'sync');
    if (!isUuid(id)) throw new AppError('validation_failed', 'a blob id is a UUID');
    const existing = await sql.findSyncBlob(this.db, actor.tenantId, id);
    if (existing) {
      await drain(body, this.maxBytes);
      return { id, size: existing.size, created: false };
    }
    const stored = await this.blobs.put(actor.tenantId, body, { maxBytes: this.maxBytes });
    const created = await sql.insertSyncBlob(this.db, actor.tenantId, { blob_id: id, blob_key: stored.key, size: stored.size, device_id: actor.deviceId });
    if (!created) {
      await releaseBlobs(this.db, this.blobs, actor.tenantId, [stored.key]);
      const first = await sql.findSyncBlob(this.db, actor.tenantId, id);
      return { id, size: first?.size ?? stored.size, created: false };
    }
    return { id, size: stored.size, created: true };
  }

  /** A sealed blob's bytes. */
  async getBlob(actor: Actor, id: string): Promise<{ size: number; stream: Readable }> {
    requirePermission(actor, 'sync');
    const row = isUuid(id) ? await sql.findSyncBlob(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('not_found', `no blob ${id}`);
    return { size: row.size, stream: await this.blobs.get(actor.tenantId, row.blob_key) };
  }

  /** Store a sealed snapshot of the vault as of log position seq; older ones beyond the newest two go. */
  async putSnapshot(actor: Actor, id: string, at: { seq: number; epoch: number }, body: Readable | AsyncIterable<Uint8Array>): Promise<SyncSnapshotDto> {
    requirePermission(actor, 'sync');
    if (!isUuid(id)) throw new AppError('validation_failed', 'a snapshot id is a UUID');
    const head = await sql.headSeq(this.db, actor.tenantId);
    if (at.seq > head) throw new AppError('validation_failed', `the log has no position ${at.seq} yet (head ${head})`);
    const epoch = await sql.currentEpoch(this.db, actor.tenantId);
    if (epoch === null || at.epoch > epoch) throw new AppError('validation_failed', `no key epoch ${at.epoch} in this vault`);
    const stored = await this.blobs.put(actor.tenantId, body, { maxBytes: this.maxBytes });
    const row = { snapshot_id: id, seq: at.seq, epoch: at.epoch, blob_key: stored.key, size: stored.size, device_id: actor.deviceId };
    if (!(await sql.insertSnapshot(this.db, actor.tenantId, row))) {
      await releaseBlobs(this.db, this.blobs, actor.tenantId, [stored.key]);
      throw new AppError('conflict', `snapshot ${id} exists already`);
    }
    for (const old of await sql.listSnapshots(this.db, actor.tenantId, 100, SNAPSHOTS_KEPT)) {
      await sql.deleteSnapshot(this.db, actor.tenantId, old.snapshot_id);
      await releaseBlobs(this.db, this.blobs, actor.tenantId, [old.blob_key]);
    }
    this.log.info({ tenant: actor.tenantId, seq: at.seq, size: stored.size }, 'e2e snapshot stored');
    return snapshotDto({ ...row, created_at: new Date() });
  }

  /** The newest snapshot's description, or not_found before the first. */
  async latestSnapshot(actor: Actor): Promise<SyncSnapshotDto> {
    requirePermission(actor, 'sync');
    const [latest] = await sql.listSnapshots(this.db, actor.tenantId, 1);
    if (!latest) throw new AppError('not_found', 'this vault has no snapshot yet');
    return snapshotDto(latest);
  }

  /** A snapshot's sealed bytes. */
  async getSnapshot(actor: Actor, id: string): Promise<{ snapshot: SyncSnapshotDto; stream: Readable }> {
    requirePermission(actor, 'sync');
    const row = isUuid(id) ? await sql.findSnapshot(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('not_found', `no snapshot ${id}`);
    return { snapshot: snapshotDto(row), stream: await this.blobs.get(actor.tenantId, row.blob_key) };
  }

  /** Publish the calling device's X25519 public key. */
  async publishKey(actor: Actor, publicKey: string): Promise<SyncDeviceKey> {
    requirePermission(actor, 'sync');
    await sql.upsertDeviceKey(this.db, actor.tenantId, deviceOf(actor), publicKey);
    return { device_id: deviceOf(actor), x25519_public_key: publicKey, created_at: new Date().toISOString() };
  }

  /** The published keys of the vault's active devices. */
  async listKeys(actor: Actor): Promise<SyncDeviceKey[]> {
    requirePermission(actor, 'sync');
    const rows = await sql.activeDeviceKeys(this.db, actor.tenantId);
    return rows.map((r) => ({ device_id: r.device_id, x25519_public_key: r.public_key, created_at: new Date(r.created_at).toISOString() }));
  }

  /** Envelopes for the calling device, or for the recovery key. */
  async listEnvelopes(actor: Actor, recipient: 'me' | 'recovery'): Promise<EnvelopeDto[]> {
    requirePermission(actor, 'sync');
    const rows = await sql.envelopesFor(this.db, actor.tenantId, recipient === 'me' ? deviceOf(actor) : 'recovery');
    return rows.map((r) => ({
      recipient: r.recipient, epoch: r.epoch, wrapped: Buffer.from(r.wrapped).toString('base64url'),
      created_by: r.created_by, created_at: new Date(r.created_at).toISOString(),
    }));
  }

  /**
   * Store envelopes, all or none. Epochs come in order (the next one, or one that exists: wrapping
   * older keys for a new device); recipients are active devices of this vault or `recovery`. An
   * envelope that exists already (two devices rotating at once) is a conflict: the later one reads
   * the newest epoch and tries again.
   */
  async putEnvelopes(actor: Actor, envelopes: readonly EnvelopeIn[]): Promise<{ stored: number; epoch: number }> {
    requirePermission(actor, 'sync');
    const deviceIds = [...new Set(envelopes.map((e) => e.recipient).filter((r) => r !== 'recovery'))];
    const active = await sql.activeDeviceIds(this.db, actor.tenantId, deviceIds);
    const stranger = deviceIds.find((d) => !active.has(d));
    if (stranger) throw new AppError('validation_failed', `device ${stranger} is not an active device of this vault`);
    return this.db.transaction(async (tx) => {
      await sql.lockLog(tx, actor.tenantId);
      const current = await sql.currentEpoch(tx, actor.tenantId);
      const next = current === null ? 0 : current + 1;
      const bad = envelopes.find((e) => e.epoch > next);
      if (bad) throw new AppError('validation_failed', `epoch ${bad.epoch} skips ahead: the next epoch of this vault is ${next}`);
      for (const e of envelopes) {
        const ok = await sql.insertEnvelope(tx, actor.tenantId, { recipient: e.recipient, epoch: e.epoch, wrapped: decode(e.wrapped, 'envelope'), created_by: actor.deviceId });
        if (!ok) throw new AppError('conflict', `an envelope for ${e.recipient} at epoch ${e.epoch} exists already (another device rotated the keys?): read them and try again`);
      }
      return { stored: envelopes.length, epoch: Math.max(current ?? -1, ...envelopes.map((e) => e.epoch)) };
    });
  }
}

function deviceOf(actor: Actor): string {
  if (!actor.deviceId) throw new AppError('forbidden', 'syncing needs a device sign-in');
  return actor.deviceId;
}

function decode(s: string, what: string): Uint8Array {
  const b = Buffer.from(s, 'base64url');
  if (b.length === 0) throw new AppError('validation_failed', `${what} is empty`);
  return new Uint8Array(b);
}

/** Read a body to its end without keeping it (the blob with this id was stored before), within the size cap. */
async function drain(body: Readable | AsyncIterable<Uint8Array>, maxBytes: number): Promise<void> {
  let n = 0;
  for await (const chunk of body) {
    n += (chunk as Uint8Array).byteLength;
    if (n > maxBytes) throw new AppError('file.too_large', `a sealed blob may have at most ${maxBytes} bytes`);
  }
}

function snapshotDto(r: sql.SnapshotRow): SyncSnapshotDto {
  return { id: r.snapshot_id, seq: r.seq, epoch: r.epoch, size: r.size, device_id: r.device_id, created_at: new Date(r.created_at).toISOString() };
}
