import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { App } from '../../../app.js';
import { AppError } from '../../../domain/errors.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** The part of an S3 event notification (AWS, Ceph RGW push endpoints) this route reads. */
const S3Event = z.object({
  Records: z.array(z.object({
    eventName: z.string().optional(),
    s3: z.object({ object: z.object({ key: z.string() }) }),
  })).default([]),
});
const Outcome = z.object({ ingested: z.number(), skipped: z.number(), failed: z.number() });

function safeDecode(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return key;
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bucket notifications: an S3 server POSTs event records here when an object is created. The push
 * endpoint cannot add headers on every server, so the shared secret (storageEventsSecret) comes as
 * a bearer token or as ?secret=. Each incoming/ key goes through the same idempotent ingest as the
 * reconciler (services/storage-events.ts): a notification racing a reconciler ingests once.
 */
export function storageRoutes(app: App): RouteSpec[] {
  const secret = app.config.storageEventsSecret;
  const handler = async (c: Ctx): Promise<Response> => {
    const given = c.req.header('authorization')?.replace(/^Bearer\s+/i, '') ?? c.req.query('secret') ?? '';
    if (!secret) throw new AppError('not_found', 'storage events are off (set storageEventsSecret)');
    if (!timingSafeEqual(digest(given), digest(secret))) throw new AppError('unauthorized', 'wrong storage events secret');
    const parsed = S3Event.safeParse(await c.req.json().catch(() => null));
    if (!parsed.success) throw new AppError('validation_failed', 'not an S3 event notification');
    const out = { ingested: 0, skipped: 0, failed: 0 };
    for (const r of parsed.data.Records) {
      if (r.eventName && !r.eventName.includes('ObjectCreated')) continue;
      // AWS URL-encodes keys in events (spaces as '+'), Ceph RGW sends them as they are: try both.
      const raw = r.s3.object.key;
      if (!raw.startsWith('incoming/')) continue;
      let outcome = await app.services.storageEvents.notify(raw);
      const decoded = safeDecode(raw);
      if (outcome === 'skipped' && decoded !== raw) outcome = await app.services.storageEvents.notify(decoded);
      out[outcome]++;
    }
    return c.json(out, 200);
  };
  return [{
    method: 'post', path: '/api/v1/storage/events', operationId: 'storageEvents', tag: 'files', public: true,
    summary: 'Receive S3 bucket notifications (shared secret): new incoming/ objects become files once',
    body: json(S3Event),
    // A notification may batch many records.
    maxBodyBytes: 1024 * 1024,
    responses: { 200: { description: 'what became of each incoming/ object', body: json(Outcome) } },
    errors: [400, 401, 404],
    handler,
  }];
}
