import { mkdirSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { text } from 'node:stream/consumers';
import { ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import { startTestS3, type TestS3 } from '../../test/s3.js';
import { S3BlobStore } from '../adapters/blob/s3-blob-store.js';
import type { App } from '../app.js';
import { createHttpApp } from '../transports/http/app.js';
import { StorageEventsService } from './storage-events.js';

type TestApp = App & { dataDir: string };
const SECRET = 'a-shared-secret-for-bucket-events';

async function indexed(app: TestApp, uri: string) {
  return waitFor(async () => {
    const { rows } = await app.services.files.list(app.owner, { uri, limit: 10, offset: 0 } as never);
    const f = rows[0];
    return f && (f.status === 'indexed' || f.status === 'failed') ? f : null;
  });
}

describe('storage events on S3 (Ceph RGW) through the real app', () => {
  let s3: TestS3;
  let app: TestApp;
  let raw: S3Client;
  let bucket: string;
  const put = (key: string, body: string) => raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  const incoming = async () =>
    ((await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'incoming/' }))).Contents ?? []).map((o) => o.Key);

  beforeAll(async () => {
    s3 = await startTestS3();
    bucket = `p8fs-events-${Date.now()}`;
    raw = s3.client();
    app = await createTestApp({
      blobProvider: 's3', s3Endpoint: s3.endpoint, s3AccessKey: s3.accessKey, s3SecretKey: s3.secretKey, s3Bucket: bucket, s3Region: s3.region,
      storageEventsSecret: SECRET,
    });
    app.pool.start();
  }, 120_000);
  afterAll(async () => {
    await app?.close();
    raw?.destroy();
    await s3?.stop();
  });

  it('turns objects put straight into incoming/ into indexed files, once, with two reconcilers racing', async () => {
    await put('incoming/local/notes/garden.md', '# Garden\n\nThe compost heap needs turning with a pitchfork.');
    await put('incoming/local/todo.txt', 'buy seeds');
    await put('incoming/nobody/x.txt', 'no such tenant');
    await put('incoming/local/empty.txt', '');
    const other = new S3BlobStore({ endpoint: s3.endpoint, region: s3.region, bucket, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey });
    const second = new StorageEventsService(app.db, other, app.services.files, app.log);
    const [a, b] = await Promise.all([app.services.storageEvents.reconcile(), second.reconcile()]);
    other.close();
    expect(a.ingested + b.ingested).toBe(2);
    expect(a.failed + b.failed).toBe(2);
    const garden = await indexed(app, 'notes/garden.md');
    expect(garden).toMatchObject({ status: 'indexed', name: 'garden.md', metadata: { source: 'storage', object_key: 'incoming/local/notes/garden.md' } });
    expect((await indexed(app, 'todo.txt')).status).toBe('indexed');
    expect((await app.services.files.list(app.owner, { limit: 50, offset: 0 } as never)).total).toBe(2);
    const hits = await app.services.search.search(app.owner, { query: 'pitchfork', limit: 5, mode: 'keyword' } as never);
    expect(hits.results[0]?.content).toContain('pitchfork');
    // Ingested objects are gone from incoming/; refused ones stay, and are not tried again.
    expect((await incoming()).sort()).toEqual(['incoming/local/empty.txt', 'incoming/nobody/x.txt']);
    const rows = await app.db.query<{ object_key: string; error: string }>(`SELECT object_key, error FROM storage_events WHERE status = 'failed' ORDER BY 1`);
    expect(rows.map((r) => [r.object_key, r.error.split(':')[0]])).toEqual([['incoming/local/empty.txt', 'file.empty'], ['incoming/nobody/x.txt', 'no tenant nobody']]);
    expect(await app.services.storageEvents.reconcile()).toMatchObject({ ingested: 0, failed: 0, skipped: 2 });
  }, 60_000);

  it('treats a new upload of the same key as a new event that replaces the file', async () => {
    await put('incoming/local/todo.txt', 'buy seeds and a rake');
    expect(await app.services.storageEvents.reconcile()).toMatchObject({ ingested: 1 });
    const f = await waitFor(async () => {
      const r = await indexed(app, 'todo.txt');
      return r.size === 20 && r.status === 'indexed' ? r : null;
    });
    expect(await text((await app.services.files.content(app.owner, f.id)).stream)).toBe('buy seeds and a rake');
  }, 30_000);

  it('ingests a notified key once, however often it is notified', async () => {
    await put('incoming/local/notified.md', 'a bucket notification arrived');
    const outcomes = await Promise.all([1, 2, 3].map(() => app.services.storageEvents.notify('incoming/local/notified.md')));
    expect(outcomes.filter((o) => o === 'ingested')).toHaveLength(1);
    expect((await indexed(app, 'notified.md')).status).toBe('indexed');
    expect(await app.services.storageEvents.notify('incoming/local/notified.md')).toBe('skipped');
  }, 30_000);

  it('ingests the keys of S3 event notifications POSTed with the shared secret', async () => {
    await put('incoming/local/pushed note.md', 'pushed by a bucket notification');
    const http = createHttpApp(app, { actorFor: () => app.owner });
    const event = JSON.stringify({ Records: [{ eventName: 'ObjectCreated:Put', s3: { object: { key: 'incoming/local/pushed+note.md' } } }] });
    const post = (q: string) => http.request(`/api/v1/storage/events${q}`, { method: 'POST', body: event, headers: { 'content-type': 'application/json' } });
    expect((await post('?secret=wrong-secret-wrong-secret')).status).toBe(401);
    expect(await (await post(`?secret=${SECRET}`)).json()).toEqual({ ingested: 1, skipped: 0, failed: 0 });
    expect(await (await post(`?secret=${SECRET}`)).json()).toEqual({ ingested: 0, skipped: 1, failed: 0 });
    expect((await indexed(app, 'pushed note.md')).status).toBe('indexed');
  }, 30_000);

  it('ingests what Ceph RGW bucket notifications push to the events route', async () => {
    const http = createHttpApp(app, { actorFor: () => app.owner });
    // RGW pushes to a URL: a plain node server hands each request to the Hono app.
    const server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d)).on('end', async () => {
        const r = await http.request(req.url ?? '/', { method: 'POST', body: Buffer.concat(parts), headers: { 'content-type': 'application/json' } });
        res.writeHead(r.status).end(await r.text());
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      await s3.notifyBucket(bucket, `http://127.0.0.1:${port}/api/v1/storage/events?secret=${SECRET}`);
      await put('incoming/local/rgw pushed.md', 'RGW pushed this event');
      expect((await indexed(app, 'rgw pushed.md')).status).toBe('indexed');
      const [row] = await app.db.query<{ status: string }>(`SELECT status FROM storage_events WHERE object_key = 'incoming/local/rgw pushed.md'`);
      expect(row?.status).toBe('done');
    } finally {
      server.close();
    }
  }, 30_000);

  it('takes over a claim whose reconciler died, and ingests presigned uploads', async () => {
    await put('incoming/local/orphan.txt', 'claimed by a process that died');
    const [o] = await new S3BlobStore({ endpoint: s3.endpoint, region: s3.region, bucket, accessKeyId: s3.accessKey, secretAccessKey: s3.secretKey })
      .listIncoming({ after: 'incoming/local/notified.md' });
    await app.db.query(
      `INSERT INTO storage_events (object_key, etag, modified, tenant_id, size, status, claimed_at)
       VALUES ($1, $2, date_trunc('second', $3::timestamptz), 'local', 30, 'claimed', now() - interval '1 hour')`, [o?.key, o?.etag, o?.modified]);
    const ticket = await app.services.storageEvents.uploadUrl('local', 'phone/photo-notes.txt', 60);
    expect((await fetch(ticket?.url as string, { method: 'PUT', body: 'uploaded with a presigned URL' })).status).toBe(200);
    expect(await app.services.storageEvents.reconcile()).toMatchObject({ ingested: 2 });
    expect((await indexed(app, 'orphan.txt')).status).toBe('indexed');
    expect((await indexed(app, 'phone/photo-notes.txt')).status).toBe('indexed');
  }, 30_000);
});

describe('storage events on a local blob folder', () => {
  it('ingests files dropped into <blobDir>/incoming/<tenant>/', async () => {
    const app = await createTestApp();
    try {
      app.pool.start();
      const p = join(app.config.blobDir as string, 'incoming/local/dropped/note.md');
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, '# Dropped\n\nA note dropped into the folder.');
      expect(await app.services.storageEvents.reconcile()).toMatchObject({ ingested: 1 });
      expect((await indexed(app, 'dropped/note.md')).status).toBe('indexed');
      expect(await app.services.storageEvents.reconcile()).toMatchObject({ listed: 0 });
    } finally {
      await app.close();
    }
  });
});
