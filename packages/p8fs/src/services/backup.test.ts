import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { list, type ReadEntry } from 'tar';
import { describe, expect, it } from 'vitest';
import { ownerActor } from '../domain/actor.js';
import { parseManifest } from '../domain/backup/manifest.js';
import { AppError } from '../domain/errors.js';
import type { BackupSource, BlobRef, VaultSnapshot } from '../ports/backup-source.js';
import { BackupService } from './backup.js';

// The backup's consistency rules against a scripted source (a port fake, not our database): blobs
// deleted after a dump, blobs lost before it, a blob that vanishes while the archive streams.

const bytes = (s: string) => Buffer.from(s);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blob = (text: string): { ref: BlobRef; body: Buffer } => {
  const body = bytes(text);
  const h = sha(body);
  return { ref: { tenantId: 'local', key: `tenants/local/blobs/${h.slice(0, 2)}/${h}` }, body };
};

/** A source whose snapshots come from a script and whose store is a map that tests change. */
function source(snapshots: (() => BlobRef[])[], store: Map<string, Buffer>, masterKey: string | null = null): BackupSource & { taken: number } {
  const src = {
    taken: 0,
    async snapshot(): Promise<VaultSnapshot> {
      const blobs = (snapshots[Math.min(src.taken, snapshots.length - 1)] as () => BlobRef[])();
      src.taken++;
      return { dump: bytes('db-dump'), blobs, migrations: ['0001_core.sql', '0013_chat_sessions.sql'], counts: { tenants: 1, files: blobs.length, resources: 3 } };
    },
    async blobSize(ref: BlobRef) {
      return store.get(ref.key)?.length ?? null;
    },
    async openBlob(ref: BlobRef) {
      const b = store.get(ref.key);
      if (!b) throw new AppError('file.not_found', 'gone');
      return Readable.from([b]);
    },
    masterKey: () => masterKey,
  };
  return src;
}

const clock = { now: () => new Date('2026-12-08T00:00:00Z') };

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** The members of a tar in memory, read by the `tar` package (what restore uses). */
async function members(tar: Buffer): Promise<Record<string, Buffer>> {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-backup-test-'));
  const file = join(dir, 'b.tar');
  writeFileSync(file, tar);
  const out: Record<string, Buffer> = {};
  try {
    await list({ file, strict: true, onReadEntry: (e: ReadEntry) => {
      const parts: Buffer[] = [];
      e.on('data', (c: Buffer) => parts.push(c));
      e.on('end', () => {
        out[e.path] = Buffer.concat(parts);
      });
    } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

describe('BackupService', () => {
  const a = blob('sealed bytes of a');
  const b = blob('sealed bytes of b');

  it('writes manifest first, then the dump and each blob as stored, with sha256 and counts', async () => {
    const store = new Map([[a.ref.key, a.body], [b.ref.key, b.body]]);
    const svc = new BackupService(source([() => [a.ref, b.ref]], store), 'local', '1.2.3', clock);
    const { manifest, chunks } = await svc.open(ownerActor('local'), { includeMasterKey: false });
    const tar = await collect(chunks);
    expect(tar.subarray(0, 13).toString()).toBe('manifest.json');
    const got = await members(tar);
    expect(Object.keys(got)).toEqual(['manifest.json', 'db.tar.gz', `blobs/${a.ref.key}`, `blobs/${b.ref.key}`]);
    expect(parseManifest(got['manifest.json']?.toString() ?? '')).toEqual(manifest);
    expect(manifest).toMatchObject({ version: 1, p8fs_version: '1.2.3', migration: '0013_chat_sessions.sql', migrations: 2, master_key_included: false, missing_blobs: [] });
    expect(manifest.counts).toEqual({ tenants: 1, files: 2, resources: 3, blobs: 2 });
    expect(got[`blobs/${a.ref.key}`]).toEqual(a.body);
    for (const m of manifest.members) expect(sha(got[m.path] as Buffer)).toBe(m.sha256);
  });

  it('takes a new snapshot when a blob the dump named was deleted since (the newer database no longer names it)', async () => {
    const store = new Map([[a.ref.key, a.body]]);
    const src = source([() => [a.ref, b.ref], () => [a.ref]], store);
    const { manifest } = await new BackupService(src, 'local', '1', clock).open(ownerActor('local'), { includeMasterKey: false });
    expect(src.taken).toBe(2);
    expect(manifest.missing_blobs).toEqual([]);
    expect(manifest.members.map((m) => m.path)).toEqual(['db.tar.gz', `blobs/${a.ref.key}`]);
  });

  it('lists a blob lost before the backup instead of failing every backup or hiding it', async () => {
    const src = source([() => [a.ref, b.ref]], new Map([[a.ref.key, a.body]]));
    const { manifest } = await new BackupService(src, 'local', '1', clock).open(ownerActor('local'), { includeMasterKey: false });
    expect(src.taken).toBe(3);
    expect(manifest.missing_blobs).toEqual([b.ref.key]);
  });

  it('fails the stream (never ends it early) when a blob vanishes while it streams', async () => {
    const store = new Map([[a.ref.key, a.body], [b.ref.key, b.body]]);
    const { chunks } = await new BackupService(source([() => [a.ref, b.ref]], store), 'local', '1', clock).open(ownerActor('local'), { includeMasterKey: false });
    store.delete(b.ref.key);
    await expect(collect(chunks)).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('run the backup again') });
  });

  it('includes the master key only when asked, and refuses everyone but the owner', async () => {
    const store = new Map([[a.ref.key, a.body]]);
    const svc = new BackupService(source([() => [a.ref]], store, 'a2V5\n'), 'local', '1', clock);
    const { manifest, chunks } = await svc.open(ownerActor('local'), { includeMasterKey: true });
    expect(manifest.master_key_included).toBe(true);
    expect((await members(await collect(chunks)))['master.key']?.toString()).toBe('a2V5\n');
    const other = { tenantId: 'family', userId: null, deviceId: 'd', scopes: ['vault:read', 'vault:write'], firstParty: true, vaultMode: 'server' as const };
    await expect(svc.open(other, { includeMasterKey: false })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(svc.open({ ...ownerActor('local'), scopes: ['vault:read'], firstParty: true }, { includeMasterKey: false })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses in scale-out mode with a pointer to the documented procedures', async () => {
    await expect(new BackupService(null, 'local', '1', clock).open(ownerActor('local'), { includeMasterKey: false }))
      .rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('docs/deploy.md') });
  });
});
