import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../../test/support.js';
import { deviceBlobCipher } from '../../adapters/blob/encryption/device-cipher.js';
import { memoryKeyStore } from '../../adapters/e2e/key-file.js';
import { localRelay } from '../../adapters/sync/local-relay.js';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { b64u } from '../../domain/e2e/bytes.js';
import { deviceFingerprint } from '../../domain/e2e/fingerprints.js';
import { newRecoveryPhrase } from '../../domain/e2e/recovery.js';
import { isAppError } from '../../domain/errors.js';
import { insertDevice } from '../sql/devices.js';
import { SyncEngine } from './engine.js';
import { VaultKeysService } from './vault-keys.js';

// The device side of an end-to-end vault against the relay service in this process: real replicas
// (in-memory PGlite, the pipeline, the hash embedder), the relay of a real server app.

const TENANT = 't_e2eunit0001';
type Device = { id: string; app: App & { dataDir: string }; keys: VaultKeysService; engine: SyncEngine };

describe('e2e sync between replicas through the relay', () => {
  let server: App & { dataDir: string };
  const devices: Device[] = [];
  const phrase = newRecoveryPhrase();
  let A: Device;
  let B: Device;

  const actor = (deviceId: string): Actor => ({ tenantId: TENANT, userId: null, deviceId, scopes: ['vault:read', 'vault:write'], firstParty: true, vaultMode: 'e2e' });
  const active = async () => (await server.db.query<{ id: string }>(`SELECT id FROM devices WHERE tenant_id = $1 AND status = 'active'`, [TENANT])).map((r) => r.id);

  async function device(name: string, snapshotEvery = 0): Promise<Device> {
    const id = randomUUID();
    await insertDevice(server.db, { id, tenant_id: TENANT, name, kind: 'cli', public_key: null, approved_by: null, oauth_client_id: 'p8fs-cli', created_at: new Date() });
    const app = await createTestApp({ chunkTokens: 64, chunkOverlapTokens: 0 });
    app.pool.start();
    const relay = localRelay(server.services.syncRelay, actor(id), active);
    const keys = new VaultKeysService(relay, memoryKeyStore(), app.log);
    keys.bind('http://relay.test', TENANT, id);
    const { files, moments, graph } = app.services;
    const engine = new SyncEngine({ db: app.db, files, moments, graph, owner: app.owner, relay, keys, cipher: deviceBlobCipher, log: app.log }, { snapshotEvery });
    const d = { id, app, keys, engine };
    devices.push(d);
    return d;
  }

  /** Give a device the keys as `p8fs approve` does: its published key, checked by fingerprint. */
  async function approve(by: Device, to: Device): Promise<void> {
    const pub = to.keys.deviceKey().publicKey;
    await server.services.syncRelay.publishKey(actor(to.id), pub);
    const seen = await by.keys.awaitDeviceKey(to.id, 5000);
    await by.keys.grant(to.id, seen, async (fp) => fp === deviceFingerprint(pub));
    expect(await to.keys.refresh()).toBeGreaterThan(0);
  }

  const write = (d: Device, uri: string, text: string) =>
    d.app.services.files.create(d.app.owner, { name: uri.split('/').at(-1) as string, uri, mimeType: 'text/markdown' }, Readable.from([Buffer.from(text)]));
  const indexed = (d: Device) => waitFor(async () => (await d.engine.inFlight()) === 0, 60_000);
  const fileSet = async (d: Device) =>
    (await d.app.db.query<{ uri: string; content_hash: string }>(`SELECT uri, content_hash FROM files WHERE tenant_id = $1 AND parent_id IS NULL ORDER BY uri`, [d.app.owner.tenantId]))
      .map((r) => `${r.uri} ${r.content_hash}`);
  const search = async (d: Device, q: string) => (await d.app.services.search.search(d.app.owner, { query: q, limit: 5 })).results.map((r) => r.content).join('\n');

  beforeAll(async () => {
    server = await createTestApp();
    await server.db.query(`INSERT INTO tenants (tenant_id, name, email, mode) VALUES ($1, 'e2e', 'e2e@example.com', 'e2e')`, [TENANT]);
    A = await device('A');
    B = await device('B');
  }, 60_000);

  afterAll(async () => {
    for (const d of devices) await d.app.close();
    await server?.close();
  });

  it('creates the vault on A and approves B by fingerprint: both show one vault fingerprint', async () => {
    const fp = await A.keys.create(phrase);
    expect(fp).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
    // A wrong fingerprint shares nothing.
    const pub = B.keys.deviceKey().publicKey;
    await server.services.syncRelay.publishKey(actor(B.id), pub);
    const refused = await A.keys.grant(B.id, pub, async () => false).catch((e: unknown) => e);
    expect(isAppError(refused, 'e2e.fingerprint_mismatch')).toBe(true);
    expect(await B.keys.refresh()).toBe(0);
    await approve(A, B);
    expect(B.keys.binding()?.fingerprint).toBe(fp);
  });

  it('syncs a note and a moment from A to B, where B parses and searches it itself', async () => {
    await write(A, 'notes/alpha.md', '# Alpha\n\nThe periwinkle accordion sleeps in the greenhouse.\n');
    await A.app.services.moments.create(A.app.owner, { name: 'Greenhouse visit', summary: 'saw the accordion', topic_tags: ['garden'] });
    const a = await A.engine.syncOnce();
    expect(a.pushed).toMatchObject({ files: 1, moments: 1 });
    const b = await B.engine.syncOnce();
    expect(b.pulled.applied).toBeGreaterThanOrEqual(2);
    await indexed(B);
    expect(await search(B, 'periwinkle accordion')).toContain('greenhouse');
    expect((await B.app.services.moments.list(B.app.owner, {})).rows.map((m) => m.name)).toEqual(['Greenhouse visit']);
    // Applying is not a local change: B has nothing to push back.
    expect((await B.engine.syncOnce()).pushed.records).toBe(0);
    expect(await fileSet(A)).toEqual(await fileSet(B));
  }, 60_000);

  it('a delete on B removes the file on A', async () => {
    const [f] = (await B.app.services.files.list(B.app.owner, { uri: 'notes/alpha.md', limit: 1, offset: 0 })).rows;
    await B.app.services.files.delete(B.app.owner, f?.id as string);
    expect((await B.engine.syncOnce()).pushed.deletes).toBe(1);
    await A.engine.syncOnce();
    expect(await fileSet(A)).toEqual([]);
  }, 60_000);

  it('concurrent edits converge; the losing device keeps its version as a conflict copy', async () => {
    const textA = '# Shared\n\nversion from A\n';
    const textB = '# Shared\n\nversion from B\n';
    await write(A, 'notes/shared.md', textA);
    await write(B, 'notes/shared.md', textB);
    const passes = [await A.engine.syncOnce(), await B.engine.syncOnce(), await A.engine.syncOnce(), await B.engine.syncOnce()];
    const [sa, sb] = [await fileSet(A), await fileSet(B)];
    expect(sa).toEqual(sb);
    // B synced last, so its clock is later: B's version wins on both; A's is kept as a conflict copy.
    const hash = (t: string) => createHash('sha256').update(t).digest('hex');
    expect(sa.find((l) => l.startsWith('notes/shared.md '))).toBe(`notes/shared.md ${hash(textB)}`);
    expect(sa.find((l) => l.includes('(conflict '))).toMatch(new RegExp(`^notes/shared \\(conflict .+ ${A.id.slice(0, 8)}\\)\\.md ${hash(textA)}$`));
    expect(sa).toHaveLength(2);
    expect(passes.map((p) => p.conflicts)).toEqual([0, 0, 1, 0]);
  }, 60_000);

  it('rejects a tampered record and one replayed under another id, without applying them', async () => {
    const relayA = localRelay(server.services.syncRelay, actor(A.id), active);
    const page = await relayA.pull(0, 1000);
    const some = page.records.at(-1);
    const flipped = Buffer.from(some?.body as string, 'base64url');
    flipped[40] = (flipped[40] as number) ^ 1;
    await relayA.push([
      { record_id: randomUUID(), epoch: some?.epoch as number, body: some?.body as string },
      { record_id: randomUUID(), epoch: 0, body: b64u(flipped) },
    ]);
    const before = await fileSet(B);
    const b = await B.engine.syncOnce();
    expect(b.pulled.rejected).toBe(2);
    expect(await fileSet(B)).toEqual(before);
  }, 60_000);

  it('after B is revoked and A rotates, B holds no key for what A writes next', async () => {
    await server.db.query(`UPDATE devices SET status = 'revoked' WHERE id = $1`, [B.id]);
    const { epoch } = await A.keys.rotate(B.id);
    expect(epoch).toBe(1);
    await write(A, 'notes/after.md', '# After\n\nthe revoked laptop must not read this tangerine\n');
    await A.engine.syncOnce();
    expect(await B.keys.refresh()).toBe(0);
    expect(B.keys.epochKey(1)).toBeNull();
    const err = await B.engine.syncOnce().catch((e: unknown) => e);
    expect(isAppError(err, 'e2e.no_keys')).toBe(true);
    expect(await search(B, 'tangerine')).not.toContain('tangerine');
  }, 60_000);

  it('the recovery phrase restores a new device from a snapshot; a wrong phrase fails cleanly', async () => {
    // A writes a snapshot of epoch 1 for new devices to start from.
    const snapA = new SyncEngine((A.engine as unknown as { deps: ConstructorParameters<typeof SyncEngine>[0] }).deps, { snapshotEvery: 1 });
    await write(A, 'notes/more.md', '# More\n\nsnapshot material\n');
    expect((await snapA.syncOnce()).snapshot.written).not.toBeNull();
    const C = await device('C');
    const wrong = await C.keys.recover(newRecoveryPhrase()).catch((e: unknown) => e);
    expect(isAppError(wrong, 'e2e.recovery_failed')).toBe(true);
    const typo = await C.keys.recover(phrase.replace(/^\w+/, 'zzzz')).catch((e: unknown) => e);
    expect(isAppError(typo, 'validation_failed')).toBe(true);
    const { fingerprint } = await C.keys.recover(phrase);
    expect(fingerprint).toBe(A.keys.binding()?.fingerprint);
    const c = await C.engine.syncOnce();
    expect(c.snapshot.loaded).not.toBeNull();
    await indexed(C);
    expect(await fileSet(C)).toEqual(await fileSet(A));
    expect(await search(C, 'tangerine')).toContain('tangerine');
  }, 90_000);

  it('a data-key rotation on the server re-encrypts the relay\'s blobs and snapshots instead of dropping them', async () => {
    const keys = async () => (await server.db.query<{ blob_key: string }>(
      `SELECT blob_key FROM e2e_blobs WHERE tenant_id = $1 UNION ALL SELECT blob_key FROM e2e_snapshots WHERE tenant_id = $1`, [TENANT])).map((r) => r.blob_key);
    const before = await keys();
    await server.services.keys.rotateData(TENANT);
    const pass = await server.services.blobEncryption.encryptAll(TENANT);
    expect(pass).toMatchObject({ reencrypted: before.length, deferred: 0, orphans: 0, failed: 0 });
    const after = await keys();
    expect(after.filter((k) => before.includes(k))).toEqual([]);
    // A new device replaying the whole log still gets every file's bytes.
    const D = await device('D');
    await approve(A, D);
    await D.engine.syncOnce({ replayLog: true });
    await indexed(D);
    expect(await fileSet(D)).toEqual(await fileSet(A));
  }, 90_000);
});
