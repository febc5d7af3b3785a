import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { sha256 } from '../../domain/ids.js';
import { FsBlobStore } from './fs-blob-store.js';

const root = mkdtempSync(join(tmpdir(), 'p8fs-blob-'));
const store = new FsBlobStore(root);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Wait until this process has no file-system request in flight (poll, with a deadline). */
async function fsIdle(timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const inFlight = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('FSReq') || r.startsWith('FileHandle'));
  for (;;) {
    await new Promise((r) => setImmediate(r));
    if (inFlight().length === 0) return;
    if (Date.now() > deadline) throw new Error(`file-system requests still in flight: ${inFlight().join(', ')}`);
  }
}

async function* chunks(parts: string[]) {
  for (const p of parts) yield Buffer.from(p);
}

describe('FsBlobStore', () => {
  it('streams content in under a tenant-prefixed, content-addressed key', async () => {
    const b = await store.put('alice', chunks(['hello ', 'world']));
    expect(b).toEqual({ key: `tenants/alice/blobs/${sha256('hello world').slice(0, 2)}/${sha256('hello world')}`, size: 11, sha256: sha256('hello world') });
    expect(await text(await store.get('alice', b.key))).toBe('hello world');
    expect((await store.read('alice', b.key)).toString()).toBe('hello world');
    // identical content from another upload lands on the same key
    expect((await store.put('alice', Readable.from([Buffer.from('hello world')]))).key).toBe(b.key);
  });

  it('refuses another tenant’s key and malformed keys', async () => {
    const b = await store.put('alice', chunks(['secret']));
    await expect(store.read('bob', b.key)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(store.read('alice', 'tenants/alice/blobs/../../../etc/passwd')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(store.delete('bob', b.key)).rejects.toMatchObject({ code: 'forbidden' });
    expect(await store.exists('alice', b.key)).toBe(true);
  });

  it('stops at the size limit and leaves nothing behind', async () => {
    const big = Array.from({ length: 10 }, () => 'x'.repeat(1000));
    await expect(store.put('alice', chunks(big), { maxBytes: 5000 })).rejects.toMatchObject({ code: 'file.too_large' });
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('leaves nothing behind when the very first chunk is over the limit', async () => {
    await expect(store.put('alice', chunks(['y'.repeat(10_000)]), { maxBytes: 5000 })).rejects.toMatchObject({ code: 'file.too_large' });
    // A late file creation (a write stream that opens lazily) would be a file-system request still in
    // flight here: wait until there is none, then look.
    await fsIdle();
    expect(readdirSync(join(root, 'tmp'))).toEqual([]);
  });

  it('reports a missing blob as file.not_found and deletes idempotently', async () => {
    const b = await store.put('alice', chunks(['gone soon']));
    await store.delete('alice', b.key);
    await store.delete('alice', b.key);
    await expect(store.read('alice', b.key)).rejects.toMatchObject({ code: 'file.not_found' });
  });
});
