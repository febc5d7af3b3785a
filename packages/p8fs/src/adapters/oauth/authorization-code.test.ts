import { decodeJwt, decodeProtectedHeader } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { approve, Browser, deny, discover, insecure, type OAuthHarness, startOAuth, userCodeOf } from './oauth-server.fixture.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('authorization server: discovery, registration, authorization code + PKCE', () => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;

  beforeAll(async () => {
    h = await startOAuth();
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  it('serves OpenID discovery and RFC 8414 metadata with the same content', async () => {
    const oidc = await (await fetch(`${h.issuer}/.well-known/openid-configuration`)).json();
    const rfc8414 = await (await fetch(`${h.issuer}/.well-known/oauth-authorization-server`)).json();
    expect(rfc8414).toEqual(oidc);
    expect(as.issuer).toBe(h.issuer);
    expect(as.authorization_endpoint).toBe(`${h.issuer}/oauth/authorize`);
    expect(as.token_endpoint).toBe(`${h.issuer}/oauth/token`);
    expect(as.registration_endpoint).toBe(`${h.issuer}/oauth/register`);
    expect(as.device_authorization_endpoint).toBe(`${h.issuer}/oauth/device/auth`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
    expect(as.scopes_supported).toEqual(expect.arrayContaining(['vault:read', 'vault:write', 'offline_access']));
    const jwks = (await (await fetch(`${h.issuer}/oauth/jwks`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]?.d).toBeUndefined();
  });

  it('registers a public client dynamically (RFC 7591) and keeps it in the database', async () => {
    const res = await oauth.dynamicClientRegistrationRequest(
      as,
      {
        client_name: 'Test MCP host',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
      insecure,
    );
    client = await oauth.processDynamicClientRegistrationResponse(res);
    expect(client.client_id).toBeTruthy();
    const rows = await h.db.query(`SELECT 1 FROM oauth_models WHERE model = 'Client'`);
    expect(rows).toHaveLength(1);
  });

  /** Runs the authorization request through the sign-in page up to the code at the redirect_uri. */
  async function authorize(decide: (userCode: string) => Promise<unknown>): Promise<{ callback: URL; verifier: string; state: string }> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: client.client_id,
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'vault:read vault:write',
      resource: h.auth.resources.mcp,
      state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    }).toString();

    const browser = new Browser();
    const page = await browser.follow(url.href, () => false);
    expect(page.url.pathname).toMatch(/^\/oauth\/interaction\/[\w-]+$/);
    const html = await (page.res as Response).text();
    expect(html).toContain('Test MCP host');
    expect(html).toContain('vault:write');
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/type="password"/);
    const userCode = userCodeOf(html);
    const approveUrl = `${h.issuer}/oauth/approve?code=${userCode}`;
    expect(html).toContain(approveUrl.replace(/&/g, '&amp;'));

    const statusUrl = `${page.url.href}/status`;
    expect(await (await browser.get(statusUrl)).json()).toEqual({ status: 'pending' });
    await decide(userCode);
    const { status } = (await (await browser.get(statusUrl)).json()) as { status: string };
    expect(['approved', 'denied']).toContain(status);

    const done = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(REDIRECT));
    return { callback: done.url, verifier, state };
  }

  let refreshToken: string;
  let accessToken: string;

  it('issues a code after approval from another device, and an MCP-bound token for it', async () => {
    let deviceId = '';
    const { callback, verifier, state } = await authorize(async (code) => {
      deviceId = await approve(h, code);
    });
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, {
      ...insecure,
      additionalParameters: { resource: h.auth.resources.mcp },
    });
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, res);
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.refresh_token).toBeTruthy();
    accessToken = tokens.access_token;
    refreshToken = tokens.refresh_token as string;

    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'ES256', typ: 'at+jwt' });
    const claims = decodeJwt(accessToken);
    expect(claims.aud).toBe(h.auth.resources.mcp);
    expect(claims).toMatchObject({ tenant: h.tenantId, device: deviceId, client_id: client.client_id, sub: deviceId });

    const verified = await h.auth.verifyAccessToken(accessToken, h.auth.resources.mcp);
    expect(verified).toMatchObject({ tenantId: h.tenantId, deviceId, clientId: client.client_id, scopes: ['vault:read', 'vault:write'] });
    // Audience binding (RFC 8707): an MCP token is no API token.
    const err = await h.auth.verifyAccessToken(accessToken, h.auth.resources.api).catch((e: unknown) => e);
    expect(isAppError(err, 'unauthorized')).toBe(true);
  });

  it('refuses an authorization request without PKCE', async () => {
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({ client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'vault:read' }).toString();
    const res = await fetch(url, { redirect: 'manual' });
    // A self-registered client's errors are shown here, not redirected (redirect-policy.test.ts).
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    const html = await res.text();
    expect(html).toContain('invalid_request');
    expect(html).toMatch(/PKCE/i);
  });

  it('denied sign-in returns access_denied to the client', async () => {
    const { callback, state } = await authorize((code) => deny(h, code));
    expect(() => oauth.validateAuthResponse(as, client, callback, state)).toThrow();
    expect(callback.searchParams.get('error')).toBe('access_denied');
  });

  it('rotates refresh tokens and treats reuse as theft: the whole family is revoked', async () => {
    const first = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecure));
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(refreshToken);
    expect(decodeJwt(first.access_token).aud).toBe(h.auth.resources.mcp);

    // The old token again: refused, and the new one dies with it.
    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, reuse)).rejects.toMatchObject({ error: 'invalid_grant' });
    const after = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token as string, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, after)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects (RFC 7662) and revokes (RFC 7009) refresh tokens', async () => {
    const { callback, verifier, state } = await authorize((code) => approve(h, code));
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, insecure),
    );
    const rt = tokens.refresh_token as string;
    // No resource at the token endpoint: the granted one (MCP) is used.
    expect(decodeJwt(tokens.access_token).aud).toBe(h.auth.resources.mcp);

    const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, oauth.None(), rt, insecure));
    expect(active).toMatchObject({ active: true, client_id: client.client_id, scope: 'vault:read vault:write' });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), rt, insecure));
    const gone = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, oauth.None(), rt, insecure));
    expect(gone.active).toBe(false);
    const refresh = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('stores tokens and codes only as hashes', async () => {
    const rows = await h.db.query<{ id: string; payload: Record<string, unknown> }>(`SELECT id, payload FROM oauth_models`);
    expect(rows.length).toBeGreaterThan(0);
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(refreshToken);
    for (const r of rows) {
      expect(r.id).toMatch(/^[0-9a-f]{64}$/);
      expect(r.payload.jti).toBeUndefined();
    }
  });
});
