import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceBlobCipher } from './device-cipher.js';

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

describe('device blob cipher (E2E blobs in the at-rest STREAM format)', () => {
  it('sealed blobs open with their key and id only, and their sizes convert both ways', async () => {
    const key = new Uint8Array(randomBytes(32));
    const id = randomUUID();
    const plain = randomBytes(200_000);
    const sealed: Buffer[] = [];
    for await (const c of deviceBlobCipher.seal(once(plain), key, id)) sealed.push(Buffer.from(c));
    const all = Buffer.concat(sealed);
    expect(all.length).toBe(deviceBlobCipher.sealedSize(plain.length));
    const open = async (k: Uint8Array, i: string, bytes: Buffer) => {
      const out: Buffer[] = [];
      for await (const c of deviceBlobCipher.open(once(bytes), k, i, plain.length)) out.push(Buffer.from(c));
      return Buffer.concat(out);
    };
    expect((await open(key, id, all)).equals(plain)).toBe(true);
    await expect(open(key, randomUUID(), all)).rejects.toThrow(/another blob/);
    await expect(open(new Uint8Array(randomBytes(32)), id, all)).rejects.toThrow(/authentication/);
    await expect(open(key, id, all.subarray(0, all.length - 10))).rejects.toThrow(/truncated/);
    for (const n of [0, 1, 65_535, 65_536, 65_537, 1_000_000]) expect(deviceBlobCipher.plainSize(deviceBlobCipher.sealedSize(n))).toBe(n);
  });
});
