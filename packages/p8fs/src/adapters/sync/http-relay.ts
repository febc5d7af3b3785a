import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  DeviceList, EnvelopeList, ErrorBody, PullRecordsResult, PushRecordsResult, StoredSyncBlob, SyncDeviceKeyList, SyncSnapshotDto, SyncStatus,
} from '@p8fs/contracts';
import type { z } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { SyncRelay } from '../../ports/sync-relay.js';

/**
 * The relay of an end-to-end vault over HTTP: the server's /api/v1/sync routes with this device's
 * bearer token (refreshed by `token()` when due). Blobs and snapshots stream both ways.
 */
export function httpRelay(server: string, token: () => Promise<string>): SyncRelay {
  const base = server.replace(/\/+$/, '');

  async function send(method: string, path: string, init: { json?: unknown; body?: AsyncIterable<Uint8Array> } = {}): Promise<Response> {
    const headers: Record<string, string> = { authorization: `Bearer ${await token()}` };
    let body: BodyInit | undefined;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    } else if (init.body) {
      headers['content-type'] = 'application/octet-stream';
      body = Readable.toWeb(Readable.from(init.body)) as unknown as ReadableStream;
    }
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, { method, headers, ...(body ? { body, duplex: 'half' } : {}) } as RequestInit);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new AppError('internal', `cannot reach the sync relay at ${base} (${cause})`);
    }
    if (!res.ok) throw await failure(res);
    return res;
  }

  async function json<T>(schema: z.ZodType<T>, method: string, path: string, init: { json?: unknown; body?: AsyncIterable<Uint8Array> } = {}): Promise<T> {
    const res = await send(method, path, init);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new AppError('internal', `unexpected reply from ${method} ${path}`);
    return parsed.data;
  }

  const stream = async (path: string): Promise<Readable> => {
    const res = await send('GET', path);
    return res.body ? Readable.fromWeb(res.body as WebReadableStream<Uint8Array>) : Readable.from([]);
  };

  return {
    status: () => json(SyncStatus, 'GET', '/api/v1/sync/status'),
    push: (records) => json(PushRecordsResult, 'POST', '/api/v1/sync/records', { json: { records } }),
    pull: (after, limit) => json(PullRecordsResult, 'GET', `/api/v1/sync/records?after=${after}&limit=${limit}`),
    putBlob: (id, body) => json(StoredSyncBlob, 'PUT', `/api/v1/sync/blobs/${id}`, { body }),
    getBlob: (id) => stream(`/api/v1/sync/blobs/${id}`),
    putSnapshot: (id, at, body) => json(SyncSnapshotDto, 'PUT', `/api/v1/sync/snapshots/${id}?seq=${at.seq}&epoch=${at.epoch}`, { body }),
    latestSnapshot: async () => {
      try {
        return await json(SyncSnapshotDto, 'GET', '/api/v1/sync/snapshots/latest');
      } catch (err) {
        if (err instanceof AppError && err.code === 'not_found') return null;
        throw err;
      }
    },
    getSnapshot: (id) => stream(`/api/v1/sync/snapshots/${id}`),
    publishKey: async (x25519PublicKey) => {
      await send('PUT', '/api/v1/sync/keys', { json: { x25519_public_key: x25519PublicKey } });
    },
    listKeys: async () => (await json(SyncDeviceKeyList, 'GET', '/api/v1/sync/keys')).keys,
    envelopes: async (recipient) => (await json(EnvelopeList, 'GET', `/api/v1/sync/envelopes?recipient=${recipient}`)).envelopes,
    putEnvelopes: async (envelopes) => {
      await send('POST', '/api/v1/sync/envelopes', { json: { envelopes } });
    },
    activeDevices: async () => (await json(DeviceList, 'GET', '/api/v1/devices')).devices.filter((d) => d.status === 'active').map((d) => d.id),
  };
}

/** The server's error answer as an AppError with its code. */
async function failure(res: Response): Promise<AppError> {
  const parsed = ErrorBody.safeParse(await res.json().catch(() => undefined));
  if (parsed.success) return new AppError(parsed.data.error.code, parsed.data.error.message, parsed.data.error.details);
  return new AppError(res.status === 401 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'internal', `${res.status} ${res.statusText}`);
}
