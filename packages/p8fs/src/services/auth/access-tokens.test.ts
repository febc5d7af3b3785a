import { randomUUID } from 'node:crypto';
import { CreateAccessTokenBody, type CreateAccessTokenBody as CreateInput } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import type { ConfigInput } from '../../config/schema.js';
import type { Actor } from '../../domain/actor.js';
import { isAppError } from '../../domain/errors.js';
import { sha256 } from '../../domain/ids.js';
import { hasPermission } from '../../domain/scopes.js';
import { AccessTokensService, expandScopes, isAccessToken, toAccessTokenDto } from './access-tokens.js';

/** A clock the test moves by hand. */
class TestClock {
  constructor(private t = Date.parse('2026-06-01T12:00:00Z')) {}
  now = () => new Date(this.t);
  advance(ms: number): void {
    this.t += ms;
  }
}

const body = (input: CreateInput) => CreateAccessTokenBody.parse(input);
const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);

// The token SQL (text[] scopes, the device join, the throttled touch) must mean the same on PGlite and PostgreSQL 15.
let cluster: Promise<PgCluster> | undefined;
afterAll(() => cluster?.then((c) => c.stop(), () => {}));
const DATABASES: { name: string; config: () => Promise<Partial<ConfigInput>> }[] = [
  { name: 'PGlite', config: async () => ({}) },
  {
    name: 'PostgreSQL 15',
    config: async () => {
      cluster ??= startPgCluster();
      return { storageProvider: 'postgres', pgUrl: await (await cluster).createDatabase('access_tokens') };
    },
  },
];

describe.each(DATABASES)('personal access tokens on $name', ({ config }) => {
  let app: App & { dataDir: string };
  let clock: TestClock;
  let svc: AccessTokensService;
  let owner: Actor;
  const tenantB: Actor = { tenantId: 'tenant-b', userId: null, deviceId: null, scopes: ['*'], firstParty: true };

  beforeAll(async () => {
    app = await createTestApp(await config());
    clock = new TestClock();
    svc = new AccessTokensService(app.db, clock, { maxPerTenant: 20 });
    owner = app.owner;
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('tenant-b', 'b')`);
  });
  afterAll(() => app?.close());

  it('creates a prefixed token, lists it without the secret, and revokes it at once', async () => {
    const { token, row } = await svc.create(owner, body({ name: 'claude-code', audience: 'mcp' }));
    expect(token).toMatch(/^p8pat_[A-Za-z0-9_-]{43}$/);
    expect(isAccessToken(token)).toBe(true);
    expect(isAccessToken('eyJhbGciOiJFUzI1NiJ9.e30.sig')).toBe(false);
    expect(row).toMatchObject({ name: 'claude-code', audience: 'mcp', scopes: ['vault:read'], device_id: null });
    // The default lifetime is 90 days from now.
    expect(row.expires_at?.getTime()).toBe(clock.now().getTime() + 90 * 86_400_000);

    const listed = (await svc.list(owner)).map((r) => toAccessTokenDto(r, clock.now()));
    expect(listed.find((t) => t.id === row.id)).toMatchObject({ name: 'claude-code', status: 'active', last_used_at: null });
    expect(JSON.stringify(listed)).not.toContain(token);

    expect(await svc.verify(token, 'mcp')).toMatchObject({ tenantId: app.config.tenantId });
    await svc.revoke(owner, row.id);
    const err = await failure(svc.verify(token, 'mcp'));
    expect(isAppError(err, 'unauthorized')).toBe(true);
    expect((await svc.list(owner)).map((r) => r.id)).not.toContain(row.id);
    expect(isAppError(await failure(svc.revoke(owner, row.id)), 'not_found')).toBe(true);
  });

  it('stores only the SHA-256 of the token', async () => {
    const { token, row } = await svc.create(owner, body({ name: 'hash-check' }));
    const [stored] = await app.db.query<Record<string, unknown>>(`SELECT * FROM access_tokens WHERE id = $1`, [row.id]);
    expect(stored?.token_hash).toBe(sha256(token));
    expect(JSON.stringify(stored)).not.toContain(token.slice('p8pat_'.length));
  });

  it('keeps tenants apart: B neither sees nor revokes A’s tokens, and A’s token acts in A', async () => {
    const a = await svc.create(owner, body({ name: 'a-script' }));
    const b = await svc.create(tenantB, body({ name: 'b-script' }));
    expect((await svc.list(tenantB)).map((r) => r.id)).toEqual([b.row.id]);
    expect((await svc.list(owner)).map((r) => r.id)).not.toContain(b.row.id);
    expect(isAppError(await failure(svc.revoke(tenantB, a.row.id)), 'not_found')).toBe(true);
    expect(await svc.verify(a.token, 'api')).toMatchObject({ tenantId: app.config.tenantId });
    expect(await svc.verify(b.token, 'api')).toMatchObject({ tenantId: 'tenant-b' });
  });

  it('refuses the other audience, a malformed token and an unknown one', async () => {
    const api = await svc.create(owner, body({ name: 'api-only', audience: 'api' }));
    expect(await svc.verify(api.token, 'api')).toBeTruthy();
    const wrong = await failure(svc.verify(api.token, 'mcp'));
    expect(isAppError(wrong, 'unauthorized') && wrong.message).toContain('REST API');
    for (const bad of ['p8pat_short', `p8pat_${'A'.repeat(43)}`, `${api.token}x`]) {
      expect(isAppError(await failure(svc.verify(bad, 'api')), 'unauthorized')).toBe(true);
    }
  });

  it('expires: works until expires_at, then is refused and listed as expired; never means no expiry', async () => {
    const short = await svc.create(owner, body({ name: 'short', expires_in: 3600 }));
    const forever = await svc.create(owner, body({ name: 'forever', expires_in: null }));
    expect(forever.row.expires_at).toBeNull();
    clock.advance(3599_000);
    expect(await svc.verify(short.token, 'api')).toBeTruthy();
    clock.advance(1000);
    const err = await failure(svc.verify(short.token, 'api'));
    expect(isAppError(err, 'unauthorized') && err.message).toContain('expired');
    const listed = (await svc.list(owner)).map((r) => toAccessTokenDto(r, clock.now()));
    expect(listed.find((t) => t.id === short.row.id)?.status).toBe('expired');
    clock.advance(5 * 365 * 86_400_000);
    expect(await svc.verify(forever.token, 'api')).toBeTruthy();
  });

  it('records last use at most once a minute', async () => {
    const { token, row } = await svc.create(owner, body({ name: 'busy' }));
    const lastUsed = async () => (await svc.list(owner)).find((r) => r.id === row.id)?.last_used_at?.getTime() ?? null;
    expect(await lastUsed()).toBeNull();
    await svc.verify(token, 'api');
    const first = clock.now().getTime();
    expect(await lastUsed()).toBe(first);
    clock.advance(30_000);
    await svc.verify(token, 'api');
    expect(await lastUsed()).toBe(first);
    clock.advance(31_000);
    await svc.verify(token, 'api');
    expect(await lastUsed()).toBe(clock.now().getTime());
  });

  it('dies with the device that created it', async () => {
    const device = randomUUID();
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'laptop', 'cli')`, [device, app.config.tenantId]);
    const laptop: Actor = { tenantId: app.config.tenantId, userId: null, deviceId: device, scopes: ['vault:read', 'vault:write'], firstParty: true };
    const { token, row } = await svc.create(laptop, body({ name: 'from-laptop' }));
    expect(row.device_id).toBe(device);
    expect(await svc.verify(token, 'api')).toMatchObject({ deviceId: device });
    await app.db.query(`UPDATE devices SET status = 'revoked' WHERE id = $1`, [device]);
    const err = await failure(svc.verify(token, 'api'));
    expect(isAppError(err, 'unauthorized') && err.message).toContain('device');
    const listed = (await svc.list(owner)).map((r) => toAccessTokenDto(r, clock.now()));
    expect(listed.find((t) => t.id === row.id)?.status).toBe('device_revoked');
  });

  it('acts as a third party with exactly its scopes: it cannot manage tokens, and a read token cannot write', async () => {
    const reader = await svc.verify((await svc.create(owner, body({ name: 'reader', scopes: ['vault:read'] }))).token, 'api');
    const writer = await svc.verify((await svc.create(owner, body({ name: 'writer', scopes: ['vault:write'] }))).token, 'api');
    expect(reader).toMatchObject({ firstParty: false, deviceId: null, scopes: ['vault:read'] });
    // vault:write implies vault:read.
    expect(writer).toMatchObject({ firstParty: false, scopes: ['vault:read', 'vault:write'] });
    expect(hasPermission(reader, 'vault:write')).toBe(false);
    expect(hasPermission(writer, 'vault:read')).toBe(true);

    for (const actor of [reader, writer]) {
      expect(isAppError(await failure(svc.create(actor, body({ name: 'minted' }))), 'forbidden')).toBe(true);
      expect(isAppError(await failure(svc.list(actor)), 'forbidden')).toBe(true);
      expect(isAppError(await failure(svc.revoke(actor, randomUUID())), 'forbidden')).toBe(true);
      expect(isAppError(await failure(app.services.files.list(actor, { limit: 1, offset: 0 })), 'forbidden')).toBe(false);
    }
    // Deleting a file nobody has: the read token is refused before the lookup, the write token gets not found.
    expect(isAppError(await failure(app.services.files.delete(reader, randomUUID())), 'forbidden')).toBe(true);
    expect(isAppError(await failure(app.services.files.delete(writer, randomUUID())), 'forbidden')).toBe(false);
  });

  it('never grants more than its creator holds, and caps tokens per tenant', async () => {
    const writeOnly: Actor = { tenantId: 'tenant-b', userId: null, deviceId: null, scopes: ['vault:write'], firstParty: true };
    // vault:write brings vault:read, which this (odd) creator lacks.
    expect(isAppError(await failure(svc.create(writeOnly, body({ name: 'more', scopes: ['vault:write'] }))), 'forbidden')).toBe(true);
    expect(expandScopes(['vault:write', 'vault:read', 'vault:write'])).toEqual(['vault:read', 'vault:write']);

    const capped = new AccessTokensService(app.db, clock, { maxPerTenant: (await svc.list(tenantB)).length + 1 });
    await capped.create(tenantB, body({ name: 'last one' }));
    expect(isAppError(await failure(capped.create(tenantB, body({ name: 'one too many' }))), 'conflict')).toBe(true);
  });
});
