import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import { FsBlobStore } from '../adapters/blob/fs-blob-store.js';
import { MIGRATIONS_DIR, migrate } from '../adapters/db/migrate.js';
import { openPglite } from '../adapters/db/pglite.js';
import { createApp } from '../app.js';
import { loadConfig } from '../config/load.js';
import { sealedKeyId } from '../domain/sealed-secret.js';
import { upsertFile } from './sql/files.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), name));
  dirs.push(d);
  return d;
};
const walk = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const configFor = (dataDir: string) => loadConfig({}, { dataDir, embeddingProvider: 'hash', logLevel: 'silent', workers: 1, parseIsolation: 'inline' });

describe('blobs.encrypt: a vault from before encryption at rest', () => {
  it('encrypts every plaintext blob in the background while the vault keeps answering', async () => {
    const dataDir = tempDir('p8fs-legacy-');
    const config = configFor(dataDir);
    // A vault as the previous version left it: schema up to 0010, plaintext blobs, no master key.
    const legacyMigrations = tempDir('p8fs-mig-');
    for (const f of readdirSync(MIGRATIONS_DIR).filter((f) => f < '0011')) copyFileSync(join(MIGRATIONS_DIR, f), join(legacyMigrations, f));
    const db = await openPglite(join(dataDir, 'db'));
    await migrate(db, legacyMigrations);
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('local', 'owner')`);
    const plain = new FsBlobStore(config.blobDir as string);
    const canaries = Array.from({ length: 5 }, (_, i) => `LEGACYCANARY${i}${randomBytes(3).toString('hex')}`);
    const ids: string[] = [];
    for (const [i, c] of canaries.entries()) {
      const blob = await plain.put('local', Readable.from([Buffer.from(`note ${i}: ${c}\n`)]));
      const id = `00000000-0000-4000-8000-00000000000${i}`;
      ids.push(id);
      await upsertFile(db, { id, tenant_id: 'local', name: `n${i}.txt`, uri: `n${i}.txt`, size: blob.size, mime_type: 'text/plain', content_hash: blob.sha256, blob_key: blob.key, metadata: {} });
      await db.query(`UPDATE files SET status = 'indexed' WHERE id = $1`, [id]);
    }
    const thumb = await plain.put('local', Readable.from([Buffer.from(`thumbnail bytes ${canaries[0]}`)]));
    await db.query(`INSERT INTO file_artifacts (tenant_id, file_id, name, role, mime_type, size, blob_key) VALUES ('local', $1, 'thumbnail', 'thumbnail', 'image/webp', $2, $3)`,
      [ids[0], thumb.size, thumb.key]);
    await db.close();
    expect(walk(config.blobDir as string).some((p) => readFileSync(p).includes(Buffer.from(canaries[0] as string)))).toBe(true);

    const app = await createApp(config);
    try {
      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      const status = await app.services.keys.status('local');
      expect(status.plaintext).toEqual([{ tenantId: 'local', blobs: 6 }]);
      expect((await app.queue.counts('local')).queued).toBeGreaterThan(0);
      // Before and between passes, plaintext and encrypted blobs read alike.
      const readAll = async () => {
        for (const [i, id] of ids.entries()) expect(await text((await app.services.files.content(app.owner, id)).stream)).toContain(canaries[i]);
        expect(await text((await app.services.files.artifactContent(app.owner, ids[0] as string, 'thumbnail')).stream)).toContain(canaries[0]);
      };
      await readAll();
      const first = await app.services.blobEncryption.pass('local', { maxBlobs: 2 });
      expect(first).toMatchObject({ reencrypted: 2, more: true });
      await readAll();
      // The worker finishes the job it was given at start-up.
      app.pool.start();
      await waitFor(async () => (await app.services.keys.status('local')).plaintext.length === 0, 30_000);
      await readAll();
      const after = await app.services.keys.status('local');
      expect(after.keys.filter((k) => k.scope === 'local').map((k) => k.blobs)).toEqual([6]);
      const leaks = walk(config.blobDir as string).filter((p) => canaries.some((c) => readFileSync(p).includes(Buffer.from(c))));
      expect(leaks).toEqual([]);
      // Idempotent: another pass has nothing to do.
      expect(await app.services.blobEncryption.pass('local')).toMatchObject({ reencrypted: 0, failed: 0, more: false });
    } finally {
      await app.close();
    }
  }, 120_000);
});

describe('data key rotation (keys rotate --data)', () => {
  it('moves every blob and the signing keys to the new epoch; everything stays readable', async () => {
    const app = await createTestApp();
    try {
      const auth = await app.auth('http://127.0.0.1:1');
      const files = [];
      for (let i = 0; i < 4; i++) files.push((await app.services.files.create(app.owner, { name: `r${i}.md` }, Readable.from([Buffer.from(`# R${i}\n\nrotation ${i}`)]))).file);
      // A file waiting for its parse is left for a later pass (its job read the blob key already): index them first.
      app.pool.start();
      for (const f of files) await waitFor(async () => (await app.services.files.get(app.owner, f.id)).status === 'indexed');
      const before = await app.services.keys.status(app.config.tenantId);
      expect(before.keys.map((k) => [k.epoch, k.blobs])).toEqual([[1, 4]]);
      const sealedBefore = (await app.db.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys'))[0]?.private_jwk as string;
      expect(sealedBefore).toMatch(/^p8fs-sealed:v1:/);

      const rotated = await app.services.keys.rotateData();
      expect(rotated.map((r) => [r.scope, r.epoch])).toEqual([[app.config.tenantId, 2], ['_system', 2]]);
      const sys = rotated.find((r) => r.scope === '_system');
      const sealedAfter = (await app.db.query<{ private_jwk: string }>('SELECT private_jwk FROM signing_keys'))[0]?.private_jwk as string;
      expect(sealedKeyId(sealedAfter)).toBe(sys?.id);
      // Still readable mid-rotation, then moved.
      for (const f of files) expect(await text((await app.services.files.content(app.owner, f.id)).stream)).toContain('rotation');
      // The worker runs the queued blobs.encrypt job (a pass beside it here would only race it for the same blobs).
      await waitFor(async () => {
        const after = await app.services.keys.status(app.config.tenantId);
        return JSON.stringify(after.keys.map((k) => [k.epoch, k.state, k.blobs])) === JSON.stringify([[1, 'retired', 0], [2, 'active', 4]]);
      }, 30_000);
      expect(await app.services.blobEncryption.pass(app.config.tenantId)).toMatchObject({ reencrypted: 0, deferred: 0, failed: 0 });
      for (const [i, f] of files.entries()) expect(await text((await app.services.files.content(app.owner, f.id)).stream)).toContain(`rotation ${i}`);
      // Tokens still sign and verify with the re-sealed key.
      const tokens = await auth.server.issueTokens({ tenantId: app.config.tenantId, deviceId: auth.ownerDeviceId, clientId: 'p8fs-cli', scope: 'vault:read', resource: auth.server.resources.api });
      expect((await auth.server.verifyAccessToken(tokens.access_token, auth.server.resources.api)).tenantId).toBe(app.config.tenantId);
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('dedup within a tenant', () => {
  it('the same content under two names shares one blob, also when uploaded at the same time; deleting one keeps the other', async () => {
    const app = await createTestApp();
    try {
      const body = () => Readable.from([Buffer.from('identical bytes in several files')]);
      const a = (await app.services.files.create(app.owner, { name: 'a.txt' }, body())).file;
      const b = (await app.services.files.create(app.owner, { name: 'b.txt' }, body())).file;
      expect(b.blob_key).toBe(a.blob_key);
      const racing = await Promise.all(['c.txt', 'd.txt', 'e.txt'].map((name) => app.services.files.create(app.owner, { name }, body())));
      expect(new Set(racing.map((r) => r.file.blob_key))).toEqual(new Set([a.blob_key]));
      // Only the shared blob is left in the store and the ledger: the copies written meanwhile are gone.
      expect((await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM blobs`))[0]?.n).toBe(1);
      expect(walk(join(app.config.blobDir as string, 'tenants')).length).toBe(1);
      // Re-uploading the same content under the same name is unchanged, and leaves no copy behind.
      expect((await app.services.files.create(app.owner, { name: 'a.txt' }, body())).unchanged).toBe(true);
      expect(walk(join(app.config.blobDir as string, 'tenants')).length).toBe(1);
      await app.services.files.delete(app.owner, a.id);
      expect(await text((await app.services.files.content(app.owner, b.id)).stream)).toBe('identical bytes in several files');
      for (const id of [b.id, ...racing.map((r) => r.file.id)]) await app.services.files.delete(app.owner, id);
      expect(walk(join(app.config.blobDir as string, 'tenants'))).toEqual([]);
      expect((await app.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM blobs`))[0]?.n).toBe(0);
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe('master key', () => {
  it('keys rotate re-wraps under a new master.key; a wrong or missing key stops start-up with a clear error', async () => {
    const dataDir = tempDir('p8fs-mk-');
    const config = configFor(dataDir);
    let app = await createApp(config);
    const { file } = await app.services.files.create(app.owner, { name: 'kept.md' }, Readable.from([Buffer.from('survives rotation')]));
    await app.close();
    const oldKey = readFileSync(join(dataDir, 'master.key'), 'utf8');

    const { run } = await import('../transports/cli/main.js');
    const out: string[] = [];
    const io = { env: { P8FS_DATA_DIR: dataDir, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_LOG_LEVEL: 'silent' }, out: (s: string) => void out.push(s), err: (s: string) => void out.push(s), stderr: process.stderr };
    expect(await run(['node', 'p8fs', 'keys', 'rotate', '--json'], io)).toBe(0);
    // One data key so far: the tenant's (the system scope gets one with the first sealed secret).
    expect(JSON.parse(out.join(''))).toMatchObject({ rewrapped: 1, total: 1, source: 'file' });
    const newKey = readFileSync(join(dataDir, 'master.key'), 'utf8');
    expect(newKey).not.toBe(oldKey);
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('master.key'))).toEqual(['master.key']);

    app = await createApp(config);
    expect(await text((await app.services.files.content(app.owner, file.id)).stream)).toBe('survives rotation');
    await app.close();

    writeFileSync(join(dataDir, 'master.key'), oldKey);
    await expect(createApp(config)).rejects.toThrow(/wrong master key: this vault's data keys are wrapped under local:[0-9a-f]{16} \(1 data key\), but the configured master key is local:/);
    rmSync(join(dataDir, 'master.key'));
    await expect(createApp(config)).rejects.toThrow(/master\.key is missing and P8FS_MASTER_KEY is not set/);
    expect(readdirSync(dataDir)).not.toContain('master.key');

    // Servers: P8FS_MASTER_KEY (new) + P8FS_MASTER_KEY_PREVIOUS (old), rotate, then the new key alone.
    writeFileSync(join(dataDir, 'master.key'), newKey);
    const next = randomBytes(32).toString('base64');
    out.length = 0;
    const envIo = { ...io, env: { ...io.env, P8FS_MASTER_KEY: next, P8FS_MASTER_KEY_PREVIOUS: newKey.trim() } };
    expect(await run(['node', 'p8fs', 'keys', 'rotate', '--json'], envIo)).toBe(0);
    expect(JSON.parse(out.join(''))).toMatchObject({ rewrapped: 1, source: 'env' });
    app = await createApp(loadConfig({}, { ...config, masterKey: next }));
    expect(await text((await app.services.files.content(app.owner, file.id)).stream)).toBe('survives rotation');
    out.length = 0;
    await app.close();
    expect(await run(['node', 'p8fs', 'config', '--json'], { ...envIo, env: { ...envIo.env } })).toBe(0);
    const shown = JSON.parse(out.join('')) as Record<string, { value: unknown }>;
    expect([shown.masterKey?.value, shown.masterKeyPrevious?.value]).toEqual(['****', '****']);
    expect(out.join('')).not.toContain(next);
  }, 120_000);
});
