import type { Readable } from 'node:stream';
import type {
  EnvelopeDto, EnvelopeIn, PullRecordsResult, PushRecordsResult, StoredSyncBlob, SyncDeviceKey, SyncRecordIn, SyncSnapshotDto, SyncStatus,
} from '@p8fs/contracts';

/**
 * The relay of an end-to-end vault as a device sees it (decision 0018): the server's /api/v1/sync
 * routes over HTTP (adapters/sync/http-relay.ts), or the relay service in the same process (tests,
 * benchmarks). Everything sent is sealed before it gets here.
 */
export interface SyncRelay {
  status(): Promise<SyncStatus>;
  push(records: SyncRecordIn[]): Promise<PushRecordsResult>;
  pull(after: number, limit: number): Promise<PullRecordsResult>;
  /** Store sealed bytes under a new id; the same id again keeps the first upload. */
  putBlob(id: string, body: AsyncIterable<Uint8Array>): Promise<StoredSyncBlob>;
  getBlob(id: string): Promise<Readable>;
  putSnapshot(id: string, at: { seq: number; epoch: number }, body: AsyncIterable<Uint8Array>): Promise<SyncSnapshotDto>;
  /** The newest snapshot, or null when there is none yet. */
  latestSnapshot(): Promise<SyncSnapshotDto | null>;
  getSnapshot(id: string): Promise<Readable>;
  publishKey(x25519PublicKey: string): Promise<void>;
  listKeys(): Promise<SyncDeviceKey[]>;
  envelopes(recipient: 'me' | 'recovery'): Promise<EnvelopeDto[]>;
  /** All or none; conflict when an envelope exists already (another device rotated at the same time). */
  putEnvelopes(envelopes: EnvelopeIn[]): Promise<void>;
  /** Ids of the vault's active devices (the account API): a rotation wraps to none of the others. */
  activeDevices(): Promise<string[]>;
}
