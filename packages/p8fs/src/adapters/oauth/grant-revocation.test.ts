import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDevice, approve, discover, insecure, type OAuthHarness, oauthDatabases, startOAuth } from './oauth-server.fixture.js';
import { CLI_CLIENT_ID } from './provider-config.js';

// Issue 12, finding 8: access tokens die with their grant, and a refused refresh spends nothing.
// The grant check is SQL run on every request: it runs on PGlite and on PostgreSQL.

const databases = oauthDatabases();
afterAll(() => databases.stopPostgres());

describe.each(databases.list)('authorization server on $name: grant revocation reaches access tokens', ({ open }) => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: CLI_CLIENT_ID, token_endpoint_auth_method: 'none' };

  beforeAll(async () => {
    h = await startOAuth({}, await open());
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  const refreshRequest = (rt: string, resource?: string) =>
    oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, {
      ...insecure,
      ...(resource ? { additionalParameters: { resource } } : {}),
    });
  const refresh = async (rt: string, resource?: string) => oauth.processRefreshTokenResponse(as, client, await refreshRequest(rt, resource));

  async function issue() {
    const deviceId = await addDevice(h.db, h.tenantId);
    const tokens = await h.auth.issueTokens({ tenantId: h.tenantId, deviceId, clientId: CLI_CLIENT_ID, scope: 'vault:read vault:write', resource: h.auth.resources.api });
    return { deviceId, tokens };
  }

  it('a reused refresh token revokes the grant, and the access tokens issued from it stop at once', async () => {
    const { tokens } = await issue();
    const next = await refresh(tokens.refresh_token);
    const api = h.auth.resources.api;
    await expect(h.auth.verifyAccessToken(next.access_token, api)).resolves.toBeTruthy();
    await expect(h.auth.verifyAccessToken(tokens.access_token, api)).resolves.toBeTruthy();

    // The first refresh token again: theft is assumed and the whole grant goes.
    await expect(refresh(tokens.refresh_token)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(h.auth.verifyAccessToken(next.access_token, api)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(h.auth.verifyAccessToken(tokens.access_token, api)).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('access tokens name their grant, and another grant of the same device is untouched', async () => {
    const a = await issue();
    const b = await issue();
    expect(decodeJwt(a.tokens.access_token).grant_id).toEqual(expect.any(String));
    expect(decodeJwt(a.tokens.access_token).grant_id).not.toBe(decodeJwt(b.tokens.access_token).grant_id);
    await h.db.query(`DELETE FROM oauth_models WHERE model = 'Grant' AND grant_id = $1`, [decodeJwt(a.tokens.access_token).grant_id]);
    await expect(h.auth.verifyAccessToken(a.tokens.access_token, h.auth.resources.api)).rejects.toMatchObject({ code: 'unauthorized' });
    await expect(h.auth.verifyAccessToken(b.tokens.access_token, h.auth.resources.api)).resolves.toMatchObject({ deviceId: b.deviceId });
  });

  it('a refresh asking for an unknown resource is refused without spending the refresh token', async () => {
    const { tokens } = await issue();
    await expect(refresh(tokens.refresh_token, `${h.issuer}/elsewhere`)).rejects.toMatchObject({ error: 'invalid_target' });
    // Still the live token: no rotation happened, so no reuse is detected.
    const ok = await refresh(tokens.refresh_token);
    expect(ok.refresh_token).toBeTruthy();
    await expect(h.auth.verifyAccessToken(ok.access_token, h.auth.resources.api)).resolves.toBeTruthy();
  });

  it('a refresh asking for a resource outside the grant is refused without spending the refresh token', async () => {
    // A device sign-in for the API only: MCP tokens are not part of its grant.
    const params = new URLSearchParams({ scope: 'offline_access vault:read', resource: h.auth.resources.api });
    const start = await oauth.processDeviceAuthorizationResponse(
      as,
      client,
      await oauth.deviceAuthorizationRequest(as, client, oauth.None(), params, insecure),
    );
    await approve(h, start.user_code);
    const tokens = await oauth.processDeviceCodeResponse(as, client, await oauth.deviceCodeGrantRequest(as, client, oauth.None(), start.device_code, insecure));
    const rt = tokens.refresh_token as string;
    await expect(refresh(rt, h.auth.resources.mcp)).rejects.toMatchObject({ error: 'invalid_target' });
    await expect(refresh(rt)).resolves.toMatchObject({ token_type: 'bearer' });
  });
});
