import { z } from 'zod';

// Wire schemas of end-to-end (E2E) vaults (decision 0018): the server relays ciphertext only. Every
// byte string here is base64url without padding; what it holds is sealed on a device with keys the
// server never sees. The server sees sizes, counts, device ids and timing.

/** How a tenant's vault is kept: `server` (the server reads and indexes it) or `e2e` (devices only). */
export const VAULT_MODES = ['server', 'e2e'] as const;
export const VaultMode = z.enum(VAULT_MODES);
export type VaultMode = z.infer<typeof VaultMode>;

const B64URL = /^[A-Za-z0-9_-]*$/;
/** Opaque sealed bytes, base64url. */
export const Sealed = z.string().regex(B64URL, 'base64url without padding');
/** A raw 32-byte X25519 public key, base64url without padding (43 characters). */
export const X25519PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url X25519 public key (32 bytes)');

/** A log record as a device pushes it: its own id (pushing twice is a no-op), the key epoch, the sealed body. */
export const SyncRecordIn = z.object({
  record_id: z.string().uuid(),
  epoch: z.number().int().min(0).max(1_000_000),
  /** Sealed record, at most 1 MiB once decoded (records name blobs; they never carry file bytes). */
  body: Sealed.min(1).max(1_398_102),
});
export type SyncRecordIn = z.infer<typeof SyncRecordIn>;

/** POST /api/v1/sync/records. */
export const PushRecordsBody = z.object({ records: z.array(SyncRecordIn).min(1).max(500) });
export type PushRecordsBody = z.infer<typeof PushRecordsBody>;

export const PushRecordsResult = z.object({
  /** The log position of each record, in the order sent; a record pushed before keeps its first position. */
  records: z.array(z.object({ record_id: z.string().uuid(), seq: z.number().int(), duplicate: z.boolean() })),
  head: z.number().int(),
});
export type PushRecordsResult = z.infer<typeof PushRecordsResult>;

/** A log record as the server hands it out. device_id is who pushed it (the server's word, not sealed). */
export const SyncRecordOut = SyncRecordIn.extend({
  seq: z.number().int(),
  device_id: z.string().uuid(),
  created_at: z.string(),
});
export type SyncRecordOut = z.infer<typeof SyncRecordOut>;

/** GET /api/v1/sync/records?after=SEQ&limit=N. */
export const PullRecordsQuery = z.object({
  after: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});
export type PullRecordsQuery = z.infer<typeof PullRecordsQuery>;

export const PullRecordsResult = z.object({
  records: z.array(SyncRecordOut),
  /** The newest position in the log: pull again while the last record's seq is below it. */
  head: z.number().int(),
});
export type PullRecordsResult = z.infer<typeof PullRecordsResult>;

/** PUT /api/v1/sync/blobs/{id}: a sealed blob stored under a device-chosen id (immutable). */
export const StoredSyncBlob = z.object({
  id: z.string().uuid(),
  /** Bytes as stored (sealed). */
  size: z.number().int(),
  /** False when a blob with this id was already stored (a retried push): the first one is kept. */
  created: z.boolean(),
});
export type StoredSyncBlob = z.infer<typeof StoredSyncBlob>;

/** PUT /api/v1/sync/snapshots/{id}?seq=&epoch=: a sealed snapshot of the vault as of log position seq. */
export const SnapshotQuery = z.object({
  seq: z.coerce.number().int().min(0),
  epoch: z.coerce.number().int().min(0).max(1_000_000),
});
export type SnapshotQuery = z.infer<typeof SnapshotQuery>;

export const SyncSnapshotDto = z.object({
  id: z.string().uuid(),
  seq: z.number().int(),
  epoch: z.number().int(),
  size: z.number().int(),
  device_id: z.string().uuid().nullable(),
  created_at: z.string(),
});
export type SyncSnapshotDto = z.infer<typeof SyncSnapshotDto>;

/** PUT /api/v1/sync/keys: this device's X25519 public key, which others wrap the vault keys to. */
export const PublishKeyBody = z.object({ x25519_public_key: X25519PublicKey });
export type PublishKeyBody = z.infer<typeof PublishKeyBody>;

export const SyncDeviceKey = z.object({
  device_id: z.string().uuid(),
  x25519_public_key: X25519PublicKey,
  created_at: z.string(),
});
export type SyncDeviceKey = z.infer<typeof SyncDeviceKey>;
/** GET /api/v1/sync/keys: the published keys of the tenant's active devices. */
export const SyncDeviceKeyList = z.object({ keys: z.array(SyncDeviceKey) });
export type SyncDeviceKeyList = z.infer<typeof SyncDeviceKeyList>;

/** Who an envelope is for: a device id, or `recovery` (the key derived from the recovery phrase). */
export const EnvelopeRecipient = z.union([z.string().uuid(), z.literal('recovery')]);

/** An epoch's vault key wrapped to one recipient. */
export const EnvelopeIn = z.object({
  recipient: EnvelopeRecipient,
  epoch: z.number().int().min(0).max(1_000_000),
  wrapped: Sealed.min(1).max(1024),
});
export type EnvelopeIn = z.infer<typeof EnvelopeIn>;

/** POST /api/v1/sync/envelopes: all or nothing; an envelope that exists already is a conflict. */
export const PutEnvelopesBody = z.object({ envelopes: z.array(EnvelopeIn).min(1).max(2000) });
export type PutEnvelopesBody = z.infer<typeof PutEnvelopesBody>;

export const EnvelopeDto = EnvelopeIn.extend({ created_by: z.string().uuid().nullable(), created_at: z.string() });
export type EnvelopeDto = z.infer<typeof EnvelopeDto>;

/** GET /api/v1/sync/envelopes?recipient=me|recovery */
export const EnvelopeQuery = z.object({ recipient: z.enum(['me', 'recovery']).default('me') });
export const EnvelopeList = z.object({ envelopes: z.array(EnvelopeDto) });
export type EnvelopeList = z.infer<typeof EnvelopeList>;

/** GET /api/v1/sync/status: what the relay holds for this vault (sizes and counts: all it can know). */
export const SyncStatus = z.object({
  head: z.number().int(),
  records: z.number().int(),
  blobs: z.number().int(),
  blob_bytes: z.number().int(),
  /** The newest key epoch any envelope exists for; null before the vault's first keys. */
  epoch: z.number().int().nullable(),
  snapshot: SyncSnapshotDto.nullable(),
});
export type SyncStatus = z.infer<typeof SyncStatus>;
