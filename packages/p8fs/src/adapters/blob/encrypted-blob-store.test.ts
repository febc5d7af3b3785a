import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import type { PgliteDb } from '../db/pglite.js';
import { isAppError } from '../../domain/errors.js';
import { dbBlobLedger } from '../../services/blob-ledger.js';
import { KeyRing } from '../../services/keyring.js';
import { LocalKeyWrapper } from '../keys/local-key-wrapper.js';
import { EncryptedBlobStore } from './encrypted-blob-store.js';
import { HEADER_BYTES, sealedSize, segmentOffset, TAG_BYTES } from './encryption/format.js';
import { FsBlobStore } from './fs-blob-store.js';

const silent = { info() {}, warn() {}, error() {}, debug() {}, child() { return silent; } } as never;
const SEG = 1024;

/** Every file under dir, recursively. */
function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    if (v instanceof Readable) await buffer(v);
    return 'ok';
  } catch (err) {
    return isAppError(err) ? err.code : String(err);
  }
}

describe('EncryptedBlobStore over the local folder', () => {
  let db: PgliteDb;
  let root: string;
  let inner: FsBlobStore;
  let store: EncryptedBlobStore;

  beforeAll(async () => {
    db = await createTestDb(['t1', 't2']);
    root = mkdtempSync(join(tmpdir(), 'p8fs-enc-'));
    inner = new FsBlobStore(root);
    store = new EncryptedBlobStore(inner, new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent), dbBlobLedger(db), SEG);
  });
  afterAll(async () => {
    await db.close();
    rmSync(root, { recursive: true, force: true });
  });

  const path = (key: string) => join(root, key);

  it('round-trips every size around segment boundaries; size and sha256 are the plaintext\'s; the object is ciphertext', async () => {
    for (const size of [0, 1, SEG - 1, SEG, SEG + 1, 3 * SEG, 3 * SEG + 5]) {
      const plain = Buffer.concat([Buffer.from('CANARY-rt '), randomBytes(size)]).subarray(0, size);
      const blob = await store.put('t1', Readable.from([plain.subarray(0, size >> 1), plain.subarray(size >> 1)]));
      expect(blob.size).toBe(size);
      expect(blob.sha256).toBe(createHash('sha256').update(plain).digest('hex'));
      expect((await store.read('t1', blob.key)).equals(plain)).toBe(true);
      const stored = readFileSync(path(blob.key));
      expect(stored.length).toBe(sealedSize(size, SEG));
      expect(blob.key.endsWith(createHash('sha256').update(stored).digest('hex'))).toBe(true);
      if (size >= 10) expect(stored.includes(Buffer.from('CANARY-rt'))).toBe(false);
    }
  });

  it('the same plaintext twice is two objects with unrelated names (nothing to correlate by)', async () => {
    const a = await store.put('t1', Readable.from([Buffer.from('same bytes')]));
    const b = await store.put('t1', Readable.from([Buffer.from('same bytes')]));
    expect(a.sha256).toBe(b.sha256);
    expect(a.key).not.toBe(b.key);
  });

  it('ranged reads return exactly the plaintext bytes, across segment boundaries, for many random ranges', async () => {
    const plain = randomBytes(10 * SEG + 123);
    const blob = await store.put('t1', Readable.from([plain]));
    const ranges: [number, number | undefined][] = [[0, 0], [0, SEG - 1], [SEG - 1, SEG], [SEG, SEG], [5 * SEG - 3, 7 * SEG + 2], [plain.length - 1, undefined], [3, undefined], [0, plain.length + 500]];
    for (let i = 0; i < 200; i++) {
      const a = Math.floor(Math.random() * plain.length);
      ranges.push([a, Math.min(plain.length - 1, a + Math.floor(Math.random() * 3 * SEG))]);
    }
    for (const [start, end] of ranges) {
      const got = await buffer(await store.get('t1', blob.key, { start, end }));
      expect(got.equals(plain.subarray(start, end === undefined ? undefined : end + 1)), `range ${start}-${end}`).toBe(true);
    }
    expect(await codeOf(store.get('t1', blob.key, { start: plain.length }))).toBe('validation_failed');
  });

  it('the plaintext limit applies to plaintext: file.too_large, and nothing is left behind', async () => {
    const before = walk(root).length;
    const n = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM blobs')).at(0)?.n;
    expect(await codeOf(store.put('t1', Readable.from([randomBytes(3000)]), { maxBytes: 2999 }))).toBe('file.too_large');
    expect(walk(root).length).toBe(before);
    expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM blobs')).at(0)?.n).toBe(n);
    const ok = await store.put('t1', Readable.from([randomBytes(3000)]), { maxBytes: 3000 });
    expect(ok.size).toBe(3000);
  });

  it('tampered, truncated, extended or swapped objects fail with blob.corrupt and never return bytes', async () => {
    const plain = randomBytes(4 * SEG + 10);
    const fresh = async () => (await store.put('t1', Readable.from([plain]))).key;
    const mutate = async (fn: (b: Buffer) => Buffer) => {
      const key = await fresh();
      writeFileSync(path(key), fn(readFileSync(path(key))));
      return key;
    };
    const flip = (at: number) => (b: Buffer) => {
      b[at] = (b[at] as number) ^ 0x40;
      return b;
    };
    const cases: Record<string, string> = {
      header: await mutate(flip(20)),
      'first segment': await mutate(flip(HEADER_BYTES + 5)),
      'middle segment': await mutate(flip(segmentOffset(2, SEG) + 100)),
      'last tag': await mutate((b) => flip(b.length - 1)(b)),
      'truncated at a segment boundary': await mutate((b) => b.subarray(0, segmentOffset(4, SEG))),
      'truncated mid-segment': await mutate((b) => b.subarray(0, b.length - 7)),
      'bytes appended': await mutate((b) => Buffer.concat([b, Buffer.from('more')])),
      'segments reordered': await mutate((b) => {
        const s1 = b.subarray(segmentOffset(1, SEG), segmentOffset(2, SEG));
        const s2 = b.subarray(segmentOffset(2, SEG), segmentOffset(3, SEG));
        return Buffer.concat([b.subarray(0, segmentOffset(1, SEG)), s2, s1, b.subarray(segmentOffset(3, SEG))]);
      }),
    };
    // Another blob's bytes under this blob's name (same tenant, same key): the recorded nonce differs.
    const a = await fresh();
    const b = await fresh();
    writeFileSync(path(a), readFileSync(path(b)));
    cases['swapped with another blob'] = a;
    for (const [what, key] of Object.entries(cases)) {
      expect(await codeOf(store.read('t1', key)), what).toBe('blob.corrupt');
      // A ranged read of an intact segment far from the damage may succeed; any read that touches it fails.
      expect(await codeOf(store.get('t1', key)), what).toBe('blob.corrupt');
    }
    // A segment's tag covers it alone: the first segment of the "middle segment" blob still reads, the damaged one does not.
    expect(await codeOf(store.get('t1', cases['middle segment'] as string, { start: 0, end: SEG - 1 }))).toBe('ok');
    expect(await codeOf(store.get('t1', cases['middle segment'] as string, { start: 2 * SEG, end: 2 * SEG }))).toBe('blob.corrupt');
    expect(TAG_BYTES).toBe(16);
  });

  it('reads trust the ledger, not the bytes: an unrecorded object is not found, a legacy plaintext one is passed through', async () => {
    const raw = await inner.put('t1', Readable.from([Buffer.from('planted by someone with bucket access')]));
    expect(await codeOf(store.read('t1', raw.key))).toBe('file.not_found');
    await db.query(`INSERT INTO blobs (tenant_id, blob_key) VALUES ('t1', $1)`, [raw.key]);
    expect((await store.read('t1', raw.key)).toString()).toBe('planted by someone with bucket access');
    // An encrypted blob recorded as plaintext is not decrypted either: its ciphertext is what comes back.
  });

  it('blobs are per tenant: another tenant\'s key is forbidden, and tenants have separate data keys', async () => {
    const blob = await store.put('t1', Readable.from([Buffer.from('tenant one only')]));
    expect(await codeOf(store.read('t2', blob.key))).toBe('file.not_found');
    await store.put('t2', Readable.from([Buffer.from('tenant two')]));
    const keys = await db.query<{ scope: string }>(`SELECT scope FROM data_keys WHERE state = 'active' ORDER BY scope`);
    expect(keys.map((k) => k.scope)).toEqual(['t1', 't2']);
  });

  it('delete removes object and record; deleting again is fine', async () => {
    const blob = await store.put('t1', Readable.from([Buffer.from('to delete')]));
    await store.delete('t1', blob.key);
    expect(await store.exists('t1', blob.key)).toBe(false);
    expect(await codeOf(store.read('t1', blob.key))).toBe('file.not_found');
    await store.delete('t1', blob.key);
  });
});

describe('EncryptedBlobStore streaming', () => {
  it('encrypts and decrypts a 200 MB stream with bounded memory', async () => {
    const db = await createTestDb(['t1']);
    const root = mkdtempSync(join(tmpdir(), 'p8fs-enc-big-'));
    try {
      const store = new EncryptedBlobStore(new FsBlobStore(root), new KeyRing(db, new LocalKeyWrapper(randomBytes(32)), silent), dbBlobLedger(db));
      const total = 200 * 1024 * 1024;
      const chunk = randomBytes(1024 * 1024);
      const hash = createHash('sha256');
      global.gc?.();
      const base = process.memoryUsage();
      let peak = 0;
      const sample = () => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.heapUsed + m.arrayBuffers - base.heapUsed - base.arrayBuffers);
      };
      const timer = setInterval(sample, 20);
      const blob = await store.put('t1', Readable.from((function* () {
        for (let i = 0; i < total / chunk.length; i++) {
          chunk.writeUInt32BE(i, 0);
          hash.update(chunk);
          yield Buffer.from(chunk);
        }
      })()));
      const back = createHash('sha256');
      let n = 0;
      for await (const c of await store.get('t1', blob.key)) {
        back.update(c as Buffer);
        n += (c as Buffer).length;
        sample();
      }
      clearInterval(timer);
      expect(blob.size).toBe(total);
      expect(n).toBe(total);
      expect(back.digest('hex')).toBe(hash.digest('hex'));
      // 200 MB went through; what stayed in memory at once is a few segments and stream buffers.
      expect(peak).toBeLessThan(64 * 1024 * 1024);
    } finally {
      await db.close();
      rmSync(root, { recursive: true, force: true });
    }
  }, 120_000);
});
