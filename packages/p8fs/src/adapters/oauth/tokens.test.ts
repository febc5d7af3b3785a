import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { oauthModelAdapter, pruneExpiredModels } from './model-adapter.js';
import { createAuthorizationServer } from './authorization-server.js';
import { addDevice, discover, insecure, type OAuthHarness, silentLog, startOAuth } from './oauth-server.fixture.js';
import { CLI_CLIENT_ID } from './provider-config.js';
import { loadSigningKeys, rotateSigningKey } from './signing-keys.js';

describe('authorization server: issued tokens, device revocation, key rotation', () => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: CLI_CLIENT_ID, token_endpoint_auth_method: 'none' };

  beforeAll(async () => {
    h = await startOAuth();
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  const refresh = async (rt: string) =>
    oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, insecure));

  async function issue(deviceId: string, resource = h.auth.resources.api) {
    return h.auth.issueTokens({ tenantId: h.tenantId, deviceId, clientId: CLI_CLIENT_ID, scope: 'vault:read vault:write', resource });
  }

  it('issueTokens mints a verifiable API token and a working refresh token', async () => {
    const deviceId = await addDevice(h.db, h.tenantId, 'mobile');
    const tokens = await issue(deviceId);
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'vault:read vault:write' });
    const claims = await h.auth.verifyAccessToken(tokens.access_token, h.auth.resources.api);
    expect(claims).toMatchObject({ tenantId: h.tenantId, deviceId, clientId: CLI_CLIENT_ID, scopes: ['vault:read', 'vault:write'] });
    expect(claims.expiresAt.getTime()).toBeGreaterThan(Date.now() + 3500_000);

    const next = await refresh(tokens.refresh_token);
    expect(decodeJwt(next.access_token)).toMatchObject({ aud: h.auth.resources.api, device: deviceId, tenant: h.tenantId });
  });

  it('refuses tokens for another tenant, an unknown resource or a tampered signature', async () => {
    const deviceId = await addDevice(h.db, h.tenantId);
    await expect(h.auth.issueTokens({ tenantId: 't2', deviceId, clientId: CLI_CLIENT_ID, scope: 'vault:read', resource: h.auth.resources.api })).rejects.toMatchObject({
      code: 'device.not_found',
    });
    await expect(issue(deviceId, `${h.issuer}/elsewhere`)).rejects.toMatchObject({ code: 'bad_request' });
    const { access_token } = await issue(deviceId);
    const tampered = `${access_token.slice(0, -4)}AAAA`;
    const err = await h.auth.verifyAccessToken(tampered, h.auth.resources.api).catch((e: unknown) => e);
    expect(isAppError(err, 'unauthorized')).toBe(true);
    await expect(h.auth.verifyAccessToken('not a jwt', h.auth.resources.api)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('revokeDevice ends its refresh tokens and its access tokens at once', async () => {
    const deviceId = await addDevice(h.db, h.tenantId);
    const other = await addDevice(h.db, h.tenantId);
    const a = await issue(deviceId);
    const b = await issue(other);
    await h.db.query(`UPDATE devices SET status = 'revoked', revoked_at = now() WHERE id = $1`, [deviceId]);
    await h.auth.revokeDevice(deviceId);
    await expect(refresh(a.refresh_token)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(h.auth.verifyAccessToken(a.access_token, h.auth.resources.api)).rejects.toMatchObject({ code: 'unauthorized' });
    // Nothing of it is left in storage; the other device is untouched.
    const left = await h.db.query(`SELECT 1 FROM oauth_models WHERE payload->>'accountId' = $1`, [deviceId]);
    expect(left).toEqual([]);
    await expect(refresh(b.refresh_token)).resolves.toMatchObject({ token_type: 'bearer' });
  });

  it('a device marked revoked cannot refresh even before its grants are deleted', async () => {
    const deviceId = await addDevice(h.db, h.tenantId);
    const tokens = await issue(deviceId);
    await h.db.query(`UPDATE devices SET status = 'revoked' WHERE id = $1`, [deviceId]);
    await expect(refresh(tokens.refresh_token)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a token signed before a key rotation still verifies after it; new tokens use the new key', async () => {
    const deviceId = await addDevice(h.db, h.tenantId);
    const before = await issue(deviceId);
    const oldKid = decodeProtectedHeader(before.access_token).kid;

    const created = await rotateSigningKey(h.db);
    const auth = await h.restart();
    await expect(auth.verifyAccessToken(before.access_token, auth.resources.api)).resolves.toMatchObject({ deviceId });
    const after = await issue(deviceId);
    expect(decodeProtectedHeader(after.access_token).kid).toBe(created.kid);
    expect(created.kid).not.toBe(oldKid);
    const jwks = (await (await fetch(`${h.issuer}/oauth/jwks`)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([created.kid, oldKid]);
    // The refresh token from before the rotation still works too.
    await expect(refresh(before.refresh_token)).resolves.toMatchObject({ token_type: 'bearer' });
  });

  it('verifies tokens another API process signed with a key this one has not loaded yet', async () => {
    const deviceId = await addDevice(h.db, h.tenantId);
    const mine = h.auth;
    const created = await rotateSigningKey(h.db);
    // A second process on the same database starts after the rotation and signs with the new key.
    const other = await createAuthorizationServer({ db: h.db, issuer: h.issuer, accessTokenTtlSeconds: 3600, refreshTokenTtlDays: 30, log: silentLog });
    try {
      const t = await other.issueTokens({ tenantId: h.tenantId, deviceId, clientId: CLI_CLIENT_ID, scope: 'vault:read', resource: other.resources.api });
      expect(decodeProtectedHeader(t.access_token).kid).toBe(created.kid);
      await expect(mine.verifyAccessToken(t.access_token, mine.resources.api)).resolves.toMatchObject({ deviceId });
    } finally {
      await other.close();
    }
  });

  it('retires keys more than two rotations old or replaced longer ago than the grace period', async () => {
    const db = h.db;
    const t0 = Date.now();
    const at = (s: number) => new Date(t0 + s * 1000);
    const k1 = await rotateSigningKey(db, { now: at(10), graceSeconds: 100 });
    const k2 = await rotateSigningKey(db, { now: at(20), graceSeconds: 100 });
    const k3 = await rotateSigningKey(db, { now: at(30), graceSeconds: 100 });
    // The newest key and the two it replaced stay; anything older is out.
    expect((await loadSigningKeys(db)).map((k) => k.kid)).toEqual([k3.kid, k2.kid, k1.kid]);
    const k4 = await rotateSigningKey(db, { now: at(40), graceSeconds: 100 });
    expect((await loadSigningKeys(db)).map((k) => k.kid)).toEqual([k4.kid, k3.kid, k2.kid]);
    const k5 = await rotateSigningKey(db, { now: at(300), graceSeconds: 100 });
    // k4 was replaced just now (kept); k3 was replaced at 40 s, 260 s ago (retired).
    expect((await loadSigningKeys(db)).map((k) => k.kid)).toEqual([k5.kid, k4.kid]);
  });

  it('the model adapter hashes ids, honours expiry and marks consumption', async () => {
    const Adapter = oauthModelAdapter(h.db);
    const codes = new Adapter('AuthorizationCode');
    await codes.upsert('raw-code-1', { jti: 'raw-code-1', grantId: 'g1', kind: 'AuthorizationCode' }, 60);
    const [row] = await h.db.query<{ id: string; payload: object }>(`SELECT id, payload FROM oauth_models WHERE grant_id = 'g1'`);
    expect(row?.id).not.toContain('raw-code-1');
    expect(JSON.stringify(row?.payload)).not.toContain('raw-code-1');
    expect(await codes.find('raw-code-1')).toMatchObject({ jti: 'raw-code-1', grantId: 'g1' });
    // A stored hash presented as a code finds nothing.
    expect(await codes.find(row?.id as string)).toBeUndefined();
    expect(await codes.find(`stored-sha256:${row?.id}`)).toBeUndefined();
    await codes.consume('raw-code-1');
    expect((await codes.find('raw-code-1'))?.consumed).toBeTypeOf('number');

    await codes.upsert('raw-code-2', { jti: 'raw-code-2', kind: 'AuthorizationCode' }, 60);
    await h.db.query(`UPDATE oauth_models SET expires_at = now() - interval '1 second' WHERE grant_id IS NULL AND model = 'AuthorizationCode'`);
    expect(await codes.find('raw-code-2')).toBeUndefined();
    expect(await pruneExpiredModels(h.db)).toBe(1);

    await codes.revokeByGrantId('g1');
    expect(await codes.find('raw-code-1')).toBeUndefined();
  });
});
