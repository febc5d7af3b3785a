import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { approve, deny, discover, insecure, type OAuthHarness, startOAuth } from './oauth-server.fixture.js';
import { CLI_CLIENT_ID } from './provider-config.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('authorization server: device authorization grant (RFC 8628)', () => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;
  const client: oauth.Client = { client_id: CLI_CLIENT_ID, token_endpoint_auth_method: 'none' };

  beforeAll(async () => {
    h = await startOAuth({ devicePollIntervalSeconds: 1 });
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  async function start(scope = 'offline_access vault:read vault:write') {
    const res = await oauth.deviceAuthorizationRequest(as, client, oauth.None(), { scope }, insecure);
    return oauth.processDeviceAuthorizationResponse(as, client, res);
  }

  async function poll(deviceCode: string) {
    const res = await oauth.deviceCodeGrantRequest(as, client, oauth.None(), deviceCode, insecure);
    return oauth.processDeviceCodeResponse(as, client, res);
  }

  it('answers pending, slow_down when polled too fast, then tokens once approved', async () => {
    const auth = await start();
    expect(auth.user_code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(auth.interval).toBe(1);
    expect(auth.verification_uri).toBe(`${h.issuer}/oauth/device`);

    const [row] = await h.db.query(`SELECT kind, ref, client_id, client_name, scope, status FROM approvals WHERE user_code = $1`, [auth.user_code]);
    expect(row).toEqual({
      kind: 'device_code',
      ref: auth.user_code,
      client_id: CLI_CLIENT_ID,
      client_name: 'P8FS',
      scope: 'offline_access vault:read vault:write',
      status: 'pending',
    });

    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'slow_down' });
    // After slow_down the interval is 1 + 5 s; a poll after 1.1 s is still too fast.
    await sleep(1100);
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'slow_down' });

    const deviceId = await approve(h, auth.user_code);
    const tokens = await poll(auth.device_code);
    expect(tokens.refresh_token).toBeTruthy();
    expect(tokens.scope).toBe('vault:read vault:write');
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: h.auth.resources.api, tenant: h.tenantId, device: deviceId, client_id: CLI_CLIENT_ID });
    await expect(h.auth.verifyAccessToken(tokens.access_token, h.auth.resources.api)).resolves.toMatchObject({ deviceId });

    // Refresh works for the CLI client.
    const refresh = async (rt: string) =>
      oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, insecure));
    const refreshed = await refresh(tokens.refresh_token as string);
    expect(decodeJwt(refreshed.access_token)).toMatchObject({ aud: h.auth.resources.api, device: deviceId });

    // The device code is spent, and presenting it again revokes what it granted (code replay).
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(refresh(refreshed.refresh_token as string)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('a pending poll at the announced interval is not slowed down', async () => {
    const auth = await start();
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });
    await sleep(1100);
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'authorization_pending' });
  });

  it('a denied code answers access_denied; a settled code cannot be settled again', async () => {
    const auth = await start();
    await deny(h, auth.user_code);
    await expect(poll(auth.device_code)).rejects.toMatchObject({ error: 'access_denied' });
    const again = await h.auth
      .settle(
        { userCode: auth.user_code, kind: 'device_code', clientId: null, clientName: null, scope: null, expiresAt: new Date() },
        { approve: true, tenantId: h.tenantId, deviceId: crypto.randomUUID() },
      )
      .catch((e: unknown) => e);
    expect(isAppError(again, 'approval.not_found')).toBe(true);
  });

  it('binds the token to a requested resource', async () => {
    const res = await oauth.deviceAuthorizationRequest(
      as,
      client,
      oauth.None(),
      { scope: 'vault:read', resource: h.auth.resources.mcp },
      insecure,
    );
    const auth = await oauth.processDeviceAuthorizationResponse(as, client, res);
    await approve(h, auth.user_code);
    const tokens = await poll(auth.device_code);
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: h.auth.resources.mcp, scope: 'vault:read' });
  });

  it('a sign-in for both resources gets an API token first and an MCP token by refresh', async () => {
    const params = new URLSearchParams({ scope: 'offline_access vault:read vault:write' });
    params.append('resource', h.auth.resources.api);
    params.append('resource', h.auth.resources.mcp);
    const auth = await oauth.processDeviceAuthorizationResponse(as, client, await oauth.deviceAuthorizationRequest(as, client, oauth.None(), params, insecure));
    await approve(h, auth.user_code);
    const tokens = await poll(auth.device_code);
    expect(decodeJwt(tokens.access_token).aud).toBe(h.auth.resources.api);
    const res = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token as string, {
      ...insecure, additionalParameters: { resource: h.auth.resources.mcp },
    });
    const mcp = await oauth.processRefreshTokenResponse(as, client, res);
    expect(decodeJwt(mcp.access_token).aud).toBe(h.auth.resources.mcp);
    await expect(h.auth.verifyAccessToken(mcp.access_token, h.auth.resources.mcp)).resolves.toBeTruthy();
  });

  it('the verification page shows the code and asks for no password', async () => {
    const res = await fetch(`${h.issuer}/oauth/device?user_code=BCDF-GHJK`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('BCDF-GHJK');
    expect(html).toContain('p8fs approve BCDF-GHJK');
    expect(html).not.toMatch(/<input|password"/i);
    const approvePage = await (await fetch(`${h.issuer}/oauth/approve?code=bcdfghjk`)).text();
    expect(approvePage).toContain('p8fs approve BCDF-GHJK');
  });

  it('the approval page shows the code large with a QR code of its link, under a CSP with no script', async () => {
    const res = await fetch(`${h.issuer}/oauth/approve?code=ABCD-EFGH`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'none'");
    const html = await res.text();
    expect(html).toContain('<code class="user-code">ABCD-EFGH</code>');
    expect(html).toContain('p8fs approve ABCD-EFGH');
    expect(html).toMatch(/<div class="qr"><svg [^>]*viewBox/);
    expect(html).toContain(`${h.issuer}/oauth/approve?code=ABCD-EFGH`);
    expect(html).not.toContain('<script');
    // Without a code there is nothing to scan.
    expect(await (await fetch(`${h.issuer}/oauth/device`)).text()).not.toContain('<svg');
  });

  it('a hostile code is never echoed raw into the page', async () => {
    for (const code of ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']) {
      const html = await (await fetch(`${h.issuer}/oauth/approve?code=${encodeURIComponent(code)}`)).text();
      expect(html).not.toContain('<script');
      expect(html).not.toContain('<img');
      expect(html).not.toContain('onerror=alert');
    }
  });
});
