import { randomBytes } from 'node:crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { z } from 'zod';
import { labelKey } from '../graph.js';
import { concat, derive, label, utf8 } from './bytes.js';

// The change records of an end-to-end vault (decision 0018). A record says what one object is now,
// or that it is gone; the relay keeps them in an append-only log it cannot read.
//
//   body      = 0x01 || nonce (24) || XChaCha20-Poly1305(subkey, nonce, plaintext, aad) (ciphertext || tag)
//   subkey    = HKDF-SHA256(epoch key, info = "p8fs-e2e-record-key-v1" \0 tenant \0 epoch)
//   aad       = "p8fs-e2e-record-v1" \0 tenant \0 record id \0 epoch
//   plaintext = the record as JSON, padded with spaces to a multiple of 256 bytes (lengths of names
//               and short notes do not show through)
//
// A record the server altered, or copied under another id, epoch or vault, fails authentication
// and is rejected, never applied.

/** What is synced: canonical data only. Chunks, vectors, moment mirrors and derived edges are rebuilt on each device. */
export const OBJECT_KINDS = ['file', 'moment', 'edge', 'member'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

const Blob = z.object({ id: z.string().uuid(), key: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
/** A file: its original bytes (a sealed blob) and what the uploader said about it. */
export const FileData = z.object({
  uri: z.string().min(1).max(4096),
  name: z.string().min(1).max(1024),
  mime_type: z.string().max(255),
  metadata: z.record(z.string(), z.unknown()),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  blob: Blob,
});
export type FileData = z.infer<typeof FileData>;

/** A moment as written by hand (the MomentCreate fields). */
export const MomentData = z.looseObject({ name: z.string().min(1).max(500) });
export type MomentData = z.infer<typeof MomentData> & Record<string, unknown>;

/** An edge a person wrote (origin `user`). */
export const EdgeData = z.object({
  src: z.string().min(1),
  rel: z.string().min(1),
  dst: z.string().min(1),
  weight: z.number().min(0).max(1),
  properties: z.record(z.string(), z.unknown()),
});
export type EdgeData = z.infer<typeof EdgeData>;

/** A device trusted with the vault keys: the keys of later epochs are wrapped to it. */
export const MemberData = z.object({ device_id: z.string().uuid(), x25519_public_key: z.string().regex(/^[A-Za-z0-9_-]{43}$/) });
export type MemberData = z.infer<typeof MemberData>;

const Common = {
  v: z.literal(1),
  key: z.string().min(1).max(8192),
  hlc: z.string().regex(/^\d{13}\.\d{6}$/),
  /** The device that made the change (sealed, unlike the relay's device_id). */
  device: z.string().uuid(),
  /** The HLC of the version this change replaced on its device ('' for a new object): tells a conflict from an overwrite. */
  base: z.string().max(32),
};

/** A record's plaintext: a put with the object's data, or a delete (tombstone). */
export const SyncRecord = z.union([
  z.object({ ...Common, op: z.literal('delete'), kind: z.enum(OBJECT_KINDS) }),
  z.object({ ...Common, op: z.literal('put'), kind: z.literal('file'), data: FileData }),
  z.object({ ...Common, op: z.literal('put'), kind: z.literal('moment'), data: MomentData }),
  z.object({ ...Common, op: z.literal('put'), kind: z.literal('edge'), data: EdgeData }),
  z.object({ ...Common, op: z.literal('put'), kind: z.literal('member'), data: MemberData }),
]);
export type SyncRecord = z.infer<typeof SyncRecord>;

/** The object key of a file: its uri (the same uri is the same file on every device). */
export const fileKey = (uri: string): string => `file:${uri}`;
/** The object key of a moment: its name (the name identifies a moment). */
export const momentKey = (name: string): string => `moment:${name}`;
/** The object key of a user edge: its ends' label keys and its type. */
export const edgeKey = (src: string, rel: string, dst: string): string => `edge:${labelKey(src)}\u001f${rel}\u001f${labelKey(dst)}`;
/** The object key of a trusted device. */
export const memberKey = (deviceId: string): string => `member:${deviceId}`;

/** Where a record belongs: bound into its associated data. */
export interface RecordContext {
  tenantId: string;
  recordId: string;
  epoch: number;
}

const VERSION = 1;
const PAD = 256;

const subkey = (epochKey: Uint8Array, ctx: RecordContext) => derive(epochKey, label('p8fs-e2e-record-key-v1', ctx.tenantId, ctx.epoch));
const aad = (ctx: RecordContext) => label('p8fs-e2e-record-v1', ctx.tenantId, ctx.recordId, ctx.epoch);

/** Seal a record under its epoch's vault key. */
export function sealRecord(epochKey: Uint8Array, ctx: RecordContext, record: SyncRecord): Uint8Array {
  const json = utf8(JSON.stringify(record));
  const padded = new Uint8Array(Math.ceil((json.length + 1) / PAD) * PAD).fill(0x20);
  padded.set(json);
  const nonce = new Uint8Array(randomBytes(24));
  return concat(Uint8Array.of(VERSION), nonce, xchacha20poly1305(subkey(epochKey, ctx), nonce, aad(ctx)).encrypt(padded));
}

/** A record's plaintext, or null when the body does not authenticate or is not a valid record. */
export function openRecord(epochKey: Uint8Array, ctx: RecordContext, body: Uint8Array): SyncRecord | null {
  if (body.length < 1 + 24 + 16 || body[0] !== VERSION) return null;
  try {
    const plain = xchacha20poly1305(subkey(epochKey, ctx), body.subarray(1, 25), aad(ctx)).decrypt(body.subarray(25));
    const parsed = SyncRecord.safeParse(JSON.parse(Buffer.from(plain).toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The per-snapshot key: snapshots are sealed blobs under a key derived from their epoch's vault key. */
export const snapshotKey = (epochKey: Uint8Array, tenantId: string, snapshotId: string): Uint8Array =>
  derive(epochKey, label('p8fs-e2e-snapshot-key-v1', tenantId, snapshotId));
