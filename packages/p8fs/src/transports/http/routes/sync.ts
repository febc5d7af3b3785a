import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  EnvelopeList, EnvelopeQuery, PublishKeyBody, PullRecordsQuery, PullRecordsResult, PushRecordsBody, PushRecordsResult, PutEnvelopesBody,
  SnapshotQuery, StoredSyncBlob, SyncDeviceKey, SyncDeviceKeyList, SyncSnapshotDto, SyncStatus,
} from '@p8fs/contracts';
import { z } from 'zod';
import type { App } from '../../../app.js';
import { AppError } from '../../../domain/errors.js';
import type { SyncRelayService } from '../../../services/sync/relay.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';
import { BINARY_JSON_SCHEMA } from '../schemas.js';

const BASE = '/api/v1/sync';
const BINARY = { contentType: 'application/octet-stream', schema: { jsonSchema: BINARY_JSON_SCHEMA } };
const EnvelopesStored = z.object({ stored: z.number().int(), epoch: z.number().int() });

/**
 * The relay of end-to-end vaults (decision 0018): sealed records, blobs, snapshots and key envelopes.
 * Each handler is one SyncRelayService call; the service refuses anyone but a first-party device of
 * an E2E vault. Blob and snapshot bodies stream (sealed bytes, capped by the service); JSON bodies
 * are capped per route.
 */
export function syncRoutes(app: App): RouteSpec[] {
  const relay: SyncRelayService = app.services.syncRelay;
  const actor = (c: Ctx) => c.get('actor');
  const raw = (c: Ctx) => (c.req.raw.body ? Readable.fromWeb(c.req.raw.body as WebReadableStream<Uint8Array>) : Readable.from([]));
  const bytes = (c: Ctx, stream: Readable, size: number) =>
    c.body(Readable.toWeb(stream) as unknown as ReadableStream, 200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
  const refuseOversize = (c: Ctx) => {
    const declared = Number(c.req.header('content-length'));
    if (Number.isFinite(declared) && declared > relay.maxBytes) throw new AppError('file.too_large', `a sealed blob may have at most ${relay.maxBytes} bytes`);
  };

  const status = async (c: Ctx) => c.json(await relay.status(actor(c)));
  const push = async (c: Ctx) => c.json(await relay.push(actor(c), parseWith(PushRecordsBody, await readJson(c), 'body').records));
  const pull = async (c: Ctx) => {
    const q = parseWith(PullRecordsQuery, c.req.query(), 'query');
    return c.json(await relay.pull(actor(c), q.after, q.limit));
  };
  const putBlob = async (c: Ctx) => {
    refuseOversize(c);
    const stored = await relay.putBlob(actor(c), c.req.param('id') ?? '', raw(c));
    return c.json(stored, stored.created ? 201 : 200);
  };
  const getBlob = async (c: Ctx) => {
    const { size, stream } = await relay.getBlob(actor(c), c.req.param('id') ?? '');
    return bytes(c, stream, size);
  };
  const putSnapshot = async (c: Ctx) => {
    const q = parseWith(SnapshotQuery, c.req.query(), 'query');
    refuseOversize(c);
    return c.json(await relay.putSnapshot(actor(c), c.req.param('id') ?? '', q, raw(c)), 201);
  };
  const latest = async (c: Ctx) => c.json(await relay.latestSnapshot(actor(c)));
  const getSnapshot = async (c: Ctx) => {
    const { snapshot, stream } = await relay.getSnapshot(actor(c), c.req.param('id') ?? '');
    return bytes(c, stream, snapshot.size);
  };
  const publishKey = async (c: Ctx) => c.json(await relay.publishKey(actor(c), parseWith(PublishKeyBody, await readJson(c), 'body').x25519_public_key));
  const listKeys = async (c: Ctx) => c.json({ keys: await relay.listKeys(actor(c)) });
  const listEnvelopes = async (c: Ctx) => {
    const q = parseWith(EnvelopeQuery, c.req.query(), 'query');
    return c.json({ envelopes: await relay.listEnvelopes(actor(c), q.recipient) });
  };
  const putEnvelopes = async (c: Ctx) => c.json(await relay.putEnvelopes(actor(c), parseWith(PutEnvelopesBody, await readJson(c), 'body').envelopes), 201);

  const ID = { id: 'a device-chosen UUID' };
  return [
    {
      method: 'get', path: `${BASE}/status`, operationId: 'syncStatus', tag: 'sync', summary: 'What the relay holds for this E2E vault: log head, counts, sizes, key epoch, newest snapshot',
      responses: { 200: { description: 'sizes and counts', body: json(SyncStatus) } }, errors: [401, 403, 409], handler: status,
    },
    {
      method: 'post', path: `${BASE}/records`, operationId: 'pushSyncRecords', tag: 'sync', summary: 'Append sealed change records to the log (idempotent per record id)',
      // 500 records of up to 1 MiB sealed each would be far more; devices send batches of about 4 MiB.
      body: json(PushRecordsBody), maxBodyBytes: 16 * 1024 * 1024,
      responses: { 200: { description: 'the log position of each record', body: json(PushRecordsResult) } }, errors: [400, 401, 403, 409, 413], handler: push,
    },
    {
      method: 'get', path: `${BASE}/records`, operationId: 'pullSyncRecords', tag: 'sync', summary: 'Sealed change records after a log position, oldest first',
      query: PullRecordsQuery, responses: { 200: { description: 'a page of the log and its head', body: json(PullRecordsResult) } }, errors: [400, 401, 403, 409], handler: pull,
    },
    {
      method: 'put', path: `${BASE}/blobs/{id}`, operationId: 'putSyncBlob', tag: 'sync', summary: 'Store a sealed blob under a device-chosen id (immutable: the first upload stays)',
      params: ID, body: BINARY,
      responses: { 201: { description: 'stored', body: json(StoredSyncBlob) }, 200: { description: 'this id was stored before', body: json(StoredSyncBlob) } },
      errors: [400, 401, 403, 409, 413], handler: putBlob,
    },
    {
      method: 'get', path: `${BASE}/blobs/{id}`, operationId: 'getSyncBlob', tag: 'sync', summary: 'A sealed blob, as the device stored it',
      params: ID, responses: { 200: { description: 'the sealed bytes', body: BINARY } }, errors: [401, 403, 404, 409], handler: getBlob,
    },
    {
      method: 'get', path: `${BASE}/snapshots/latest`, operationId: 'latestSyncSnapshot', tag: 'sync', summary: 'The newest sealed snapshot: its id, the log position it covers, its key epoch',
      responses: { 200: { description: 'the snapshot', body: json(SyncSnapshotDto) } }, errors: [401, 403, 404, 409], handler: latest,
    },
    {
      method: 'put', path: `${BASE}/snapshots/{id}`, operationId: 'putSyncSnapshot', tag: 'sync', summary: 'Store a sealed snapshot of the vault as of log position seq (older ones beyond two go)',
      params: ID, query: SnapshotQuery, body: BINARY,
      responses: { 201: { description: 'stored', body: json(SyncSnapshotDto) } }, errors: [400, 401, 403, 409, 413], handler: putSnapshot,
    },
    {
      method: 'get', path: `${BASE}/snapshots/{id}`, operationId: 'getSyncSnapshot', tag: 'sync', summary: 'A sealed snapshot\'s bytes',
      params: ID, responses: { 200: { description: 'the sealed bytes', body: BINARY } }, errors: [401, 403, 404, 409], handler: getSnapshot,
    },
    {
      method: 'put', path: `${BASE}/keys`, operationId: 'publishSyncKey', tag: 'sync', summary: 'Publish this device\'s X25519 public key (others wrap the vault keys to it once a person confirms its fingerprint)',
      body: json(PublishKeyBody), responses: { 200: { description: 'published', body: json(SyncDeviceKey) } }, errors: [400, 401, 403, 409], handler: publishKey,
    },
    {
      method: 'get', path: `${BASE}/keys`, operationId: 'listSyncKeys', tag: 'sync', summary: 'The published X25519 keys of this vault\'s active devices',
      responses: { 200: { description: 'the keys', body: json(SyncDeviceKeyList) } }, errors: [401, 403, 409], handler: listKeys,
    },
    {
      method: 'get', path: `${BASE}/envelopes`, operationId: 'listSyncEnvelopes', tag: 'sync', summary: 'The key envelopes for this device (or for the recovery key), oldest epoch first',
      query: EnvelopeQuery, responses: { 200: { description: 'the envelopes', body: json(EnvelopeList) } }, errors: [400, 401, 403, 409], handler: listEnvelopes,
    },
    {
      method: 'post', path: `${BASE}/envelopes`, operationId: 'putSyncEnvelopes', tag: 'sync', summary: 'Store key envelopes, all or none (a new epoch, or older epochs for a new device)',
      body: json(PutEnvelopesBody), maxBodyBytes: 1024 * 1024,
      responses: { 201: { description: 'stored', body: json(EnvelopesStored) } }, errors: [400, 401, 403, 409], handler: putEnvelopes,
    },
  ];
}
