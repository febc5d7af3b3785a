import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer, text } from 'node:stream/consumers';
import { ListMultipartUploadsCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type TestS3 } from '../../../test/s3.js';
import { sha256 } from '../../domain/ids.js';
import type { BlobStore, Inbox } from '../../ports/blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { FsInbox } from './fs-inbox.js';
import { S3BlobStore } from './s3-blob-store.js';

/** One adapter under test, with the backdoors the contract needs to look behind it. */
interface Harness {
  store: BlobStore & Inbox;
  /** Anything left under the tenant's temp area (and, on S3, unfinished multipart uploads). */
  leftovers(tenantId: string): Promise<string[]>;
  /** Write an object straight into the store, as another tool would. */
  writeRaw(key: string, body: Buffer): Promise<void>;
  /** A store with the wrong secret, where the adapter checks credentials. */
  wrongSecret?(): BlobStore;
  close(): Promise<void>;
}

const MiB = 1024 * 1024;
let s3: TestS3 | null = null;
afterAll(async () => s3?.stop());

const ADAPTERS: { name: string; make(): Promise<Harness> }[] = [
  {
    name: 'fs',
    async make() {
      const root = mkdtempSync(join(tmpdir(), 'p8fs-blob-contract-'));
      const inbox = new FsInbox(root);
      const store = Object.assign(new FsBlobStore(root), {
        listIncoming: inbox.listIncoming.bind(inbox), statIncoming: inbox.statIncoming.bind(inbox),
        openIncoming: inbox.openIncoming.bind(inbox), deleteIncoming: inbox.deleteIncoming.bind(inbox),
      });
      return {
        store,
        leftovers: async () => readdirSync(join(root, 'tmp')),
        writeRaw: async (key, body) => {
          mkdirSync(dirname(join(root, key)), { recursive: true });
          writeFileSync(join(root, key), body);
        },
        close: async () => rmSync(root, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 's3 (Ceph RGW)',
    async make() {
      s3 ??= await startTestS3();
      const t = s3;
      const bucket = await t.createBucket();
      // Small parts and copy parts, so 20 MB exercises multipart upload and multipart copy.
      const opts = { endpoint: t.endpoint, region: t.region, bucket, accessKeyId: t.accessKey, partBytes: 5 * MiB, copyPartBytes: 8 * MiB };
      const store = new S3BlobStore({ ...opts, secretAccessKey: t.secretKey });
      const raw = t.client();
      return {
        store,
        async leftovers(tenantId) {
          const objs = await raw.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `tenants/${tenantId}/tmp/` }));
          const mpu = await raw.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
          return [...(objs.Contents ?? []).map((o) => o.Key ?? ''), ...(mpu.Uploads ?? []).map((u) => `upload:${u.Key}`)];
        },
        writeRaw: async (key, body) => void (await raw.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }))),
        wrongSecret: () => new S3BlobStore({ ...opts, secretAccessKey: `${t.secretKey}x`, maxAttempts: 1 }),
        close: async () => {
          store.close();
          raw.destroy();
        },
      };
    },
  },
];

async function* chunks(parts: (string | Buffer)[]) {
  for (const p of parts) yield Buffer.from(p);
}

/** `size` deterministic pseudo-random bytes in 1 MiB chunks, each chunk different (numbered). */
const BASE = Buffer.concat(Array.from({ length: MiB / 32 }, (_, i) => createHash('sha256').update(String(i)).digest()));
function* bigBody(size: number): Generator<Buffer> {
  for (let left = size, n = 0; left > 0; left -= MiB, n++) {
    const c = Buffer.from(BASE.subarray(0, Math.min(MiB, left)));
    c.writeUInt32BE(n, 0);
    yield c;
  }
}

describe.each(ADAPTERS)('BlobStore contract: $name', (adapter) => {
  let h: Harness;
  beforeAll(async () => {
    h = await adapter.make();
  }, 120_000);
  afterAll(async () => h?.close());
  /** Poll until the tenant has no temp objects or unfinished uploads; fail with what is left after the deadline. */
  const noLeftovers = async (tenant: string, timeoutMs = 10_000) => {
    const deadline = Date.now() + timeoutMs;
    for (let left = await h.leftovers(tenant); left.length > 0; left = await h.leftovers(tenant)) {
      if (Date.now() > deadline) expect(left).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  it('streams content in under a tenant-prefixed, content-addressed key', async () => {
    const b = await h.store.put('alice', chunks(['hello ', 'world']));
    const sha = sha256('hello world');
    expect(b).toEqual({ key: `tenants/alice/blobs/${sha.slice(0, 2)}/${sha}`, size: 11, sha256: sha });
    expect(await text(await h.store.get('alice', b.key))).toBe('hello world');
    expect((await h.store.read('alice', b.key)).toString()).toBe('hello world');
    expect(await h.store.exists('alice', b.key)).toBe(true);
    expect((await h.store.put('alice', Readable.from([Buffer.from('hello world')]))).key).toBe(b.key);
    expect(await h.leftovers('alice')).toEqual([]);
  });

  it('refuses another tenant’s key and malformed keys', async () => {
    const b = await h.store.put('alice', chunks(['secret']));
    for (const op of [() => h.store.read('bob', b.key), () => h.store.get('bob', b.key), () => h.store.exists('bob', b.key), () => h.store.delete('bob', b.key)])
      await expect(op()).rejects.toMatchObject({ code: 'forbidden' });
    await expect(h.store.read('alice', 'tenants/alice/blobs/../../../etc/passwd')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(h.store.read('alice', 'tenants/alice/tmp/x')).rejects.toMatchObject({ code: 'forbidden' });
    expect(await h.store.exists('alice', b.key)).toBe(true);
  });

  it('stops at the size limit and leaves nothing behind, also mid-multipart', async () => {
    await expect(h.store.put('alice', chunks(['y'.repeat(10_000)]), { maxBytes: 5000 })).rejects.toMatchObject({ code: 'file.too_large' });
    await expect(h.store.put('alice', bigBody(12 * MiB), { maxBytes: 11 * MiB })).rejects.toMatchObject({ code: 'file.too_large' });
    // put() has cleaned up by the time it rejects; a store may list an aborted upload a moment longer.
    await noLeftovers('alice');
  }, 60_000);

  it('streams a 20 MB upload and reads it back, whole and by range', async () => {
    const size = 20 * MiB + 123;
    const want = createHash('sha256');
    for (const c of bigBody(size)) want.update(c);
    const t0 = performance.now();
    const b = await h.store.put('alice', bigBody(size));
    const secs = (performance.now() - t0) / 1000;
    console.log(`[${adapter.name}] 20 MB put: ${secs.toFixed(2)} s, ${(size / MiB / secs).toFixed(1)} MiB/s`);
    expect(b).toMatchObject({ size, sha256: want.digest('hex') });
    const back = createHash('sha256');
    for await (const c of await h.store.get('alice', b.key)) back.update(c as Buffer);
    expect(back.digest('hex')).toBe(b.sha256);
    const first = bigBody(size).next().value as Buffer;
    expect(await buffer(await h.store.get('alice', b.key, { start: 1000, end: 1999 }))).toEqual(first.subarray(1000, 2000));
    expect((await buffer(await h.store.get('alice', b.key, { start: size - 10 }))).length).toBe(10);
    expect(await h.leftovers('alice')).toEqual([]);
  }, 120_000);

  it('reports a missing blob as file.not_found and deletes idempotently', async () => {
    const b = await h.store.put('alice', chunks(['gone soon']));
    await h.store.delete('alice', b.key);
    await h.store.delete('alice', b.key);
    expect(await h.store.exists('alice', b.key)).toBe(false);
    await expect(h.store.read('alice', b.key)).rejects.toMatchObject({ code: 'file.not_found' });
    await expect(h.store.get('alice', b.key)).rejects.toMatchObject({ code: 'file.not_found' });
  });

  it('lists, reads and deletes objects written straight into the incoming area', async () => {
    await h.writeRaw('incoming/alice/notes/b.md', Buffer.from('# B'));
    await h.writeRaw('incoming/alice/a.txt', Buffer.from('A'));
    const all = await h.store.listIncoming();
    expect(all.map((o) => [o.key, o.tenantId, o.path, o.size])).toEqual([
      ['incoming/alice/a.txt', 'alice', 'a.txt', 1], ['incoming/alice/notes/b.md', 'alice', 'notes/b.md', 3],
    ]);
    expect((await h.store.listIncoming({ after: 'incoming/alice/a.txt' })).map((o) => o.key)).toEqual(['incoming/alice/notes/b.md']);
    const a = all[0] as (typeof all)[number];
    expect(await h.store.statIncoming(a.key)).toMatchObject({ etag: a.etag, size: 1 });
    expect(await text((await h.store.openIncoming(a.key, a.etag))?.stream as Readable)).toBe('A');
    expect(await h.store.openIncoming(a.key, 'not-the-etag')).toBeNull();
    for (const o of all) await h.store.deleteIncoming(o.key);
    await h.store.deleteIncoming(a.key);
    expect(await h.store.listIncoming()).toEqual([]);
  });

  it('presigns GET and PUT where the store offers it, and checks signatures', async (ctx) => {
    if (!h.store.presignGet || !h.store.presignIncomingPut || !h.wrongSecret) return ctx.skip();
    const b = await h.store.put('alice', chunks(['presigned bytes']));
    const url = await h.store.presignGet('alice', b.key, { expiresSeconds: 60 });
    expect(await (await fetch(url)).text()).toBe('presigned bytes');
    expect((await fetch(url.replace(/X-Amz-Signature=([0-9a-f])/, (_m, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`))).status).toBe(403);
    const put = await h.store.presignIncomingPut('alice', 'from/client.txt', { expiresSeconds: 60 });
    expect(put.key).toBe('incoming/alice/from/client.txt');
    expect((await fetch(put.url, { method: 'PUT', body: 'uploaded by a client' })).status).toBe(200);
    const [o] = await h.store.listIncoming();
    expect(await text((await h.store.openIncoming(put.key, o?.etag ?? ''))?.stream as Readable)).toBe('uploaded by a client');
    await h.store.deleteIncoming(put.key);
    await expect(h.store.presignIncomingPut('alice', '../bob/x')).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(h.wrongSecret().put('alice', chunks(['x']))).rejects.toMatchObject({ name: 'SignatureDoesNotMatch' });
    await expect(h.wrongSecret().read('alice', b.key)).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  });
});
