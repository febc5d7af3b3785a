import { auth as mcpAuth } from '@modelcontextprotocol/sdk/client/auth.js';
import { DeviceList, VaultStatus } from '@p8fs/contracts';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../src/adapters/mailer/test-smtp.fixture.js';
import { Browser, insecure, userCodeOf } from '../src/adapters/oauth/oauth-server.fixture.js';
import type { App } from '../src/app.js';
import { type HttpServer, startHttpServer } from '../src/transports/http/server.js';
import { decideOverHttp, type RegisteredDevice, registerOverHttp } from './http-tenants.js';
import { HostProvider } from './mcp-host.js';
import { createTestApp } from './support.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

describe('real OAuth clients against p8fs serve: oauth4webapi and the MCP SDK', () => {
  let smtp: TestSmtp;
  let app: App & { dataDir: string };
  let server: HttpServer;
  let A: RegisteredDevice;
  let as: oauth.AuthorizationServer;
  let client: oauth.Client;
  let issuer = '';
  const api = () => `${issuer}/api`;
  const mcp = () => `${issuer}/api/mcp`;
  const get = (path: string, token: string) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await createTestApp({ smtpUrl: smtp.url });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    issuer = server.url;
    A = await registerOverHttp(server.url, smtp, 'alice@example.com', 'phone A');
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
    await smtp?.close();
  });

  it('discovers the authorization server through RFC 8414 metadata', async () => {
    const url = new URL(issuer);
    as = await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...insecure }));
    expect(as.issuer).toBe(issuer);
    expect(as.token_endpoint).toBe(`${issuer}/oauth/token`);
    expect(as.registration_endpoint).toBe(`${issuer}/oauth/register`);
    expect(as.code_challenge_methods_supported).toEqual(['S256']);
  });

  it('registers a public client dynamically (RFC 7591)', async () => {
    const res = await oauth.dynamicClientRegistrationRequest(
      as,
      { client_name: 'Desktop app', redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
      insecure,
    );
    client = await oauth.processDynamicClientRegistrationResponse(res);
    expect(client.client_id).toBeTruthy();
  });

  /**
   * Authorization code + PKCE for the API resource: the browser reaches the sign-in page, A's phone
   * approves its user code through POST /api/v1/approvals, and the client swaps the code for tokens.
   */
  async function signIn(resource: string): Promise<oauth.TokenEndpointResponse> {
    const verifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: client.client_id, redirect_uri: REDIRECT, response_type: 'code', scope: 'offline_access vault:read vault:write', resource, state,
      code_challenge: await oauth.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
    }).toString();
    const browser = new Browser();
    const page = await browser.follow(url.href, () => false);
    const userCode = userCodeOf(await (page.res as Response).text());
    const decided = await decideOverHttp(server.url, A, userCode, true);
    expect(decided.status).toBe(200);
    const done = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(REDIRECT));
    const params = oauth.validateAuthResponse(as, client, done.url, state);
    const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, REDIRECT, verifier, { ...insecure, additionalParameters: { resource } });
    return oauth.processAuthorizationCodeResponse(as, client, res);
  }

  let tokens: oauth.TokenEndpointResponse;

  it('signs in with authorization code + PKCE approved from A’s phone; the token acts as A on the API', async () => {
    tokens = await signIn(api());
    const claims = decodeJwt(tokens.access_token);
    expect(claims).toMatchObject({ aud: api(), tenant: A.tenantId, client_id: client.client_id });
    expect(tokens.refresh_token).toBeTruthy();

    const status = await get('/api/v1/status', tokens.access_token);
    expect(status.status).toBe(200);
    expect(VaultStatus.parse(await status.json()).tenant_id).toBe(A.tenantId);
    const { devices } = DeviceList.parse(await (await get('/api/v1/devices', A.accessToken)).json());
    expect(devices.find((d) => d.id === claims.device)).toMatchObject({ kind: 'mcp', approved_by: A.deviceId, oauth_client_id: client.client_id, status: 'active' });
  });

  it('rotates the refresh token; reusing an old one revokes the whole family', async () => {
    const first = await oauth.processRefreshTokenResponse(as, client, await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token as string, insecure));
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    expect(decodeJwt(first.access_token).aud).toBe(api());
    expect((await get('/api/v1/status', first.access_token)).status).toBe(200);

    const reuse = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), tokens.refresh_token as string, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, reuse)).rejects.toMatchObject({ error: 'invalid_grant' });
    const after = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), first.refresh_token as string, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, after)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('introspects (RFC 7662) and revokes (RFC 7009) a refresh token', async () => {
    const fresh = await signIn(api());
    const rt = fresh.refresh_token as string;
    const active = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, oauth.None(), rt, insecure));
    expect(active).toMatchObject({ active: true, client_id: client.client_id });

    await oauth.processRevocationResponse(await oauth.revocationRequest(as, client, oauth.None(), rt, insecure));
    const gone = await oauth.processIntrospectionResponse(as, client, await oauth.introspectionRequest(as, client, oauth.None(), rt, insecure));
    expect(gone.active).toBe(false);
    const refresh = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), rt, insecure);
    await expect(oauth.processRefreshTokenResponse(as, client, refresh)).rejects.toMatchObject({ error: 'invalid_grant' });
  });

  it('the MCP SDK auth() flow discovers through our RFC 9728 metadata and ends AUTHORIZED with an MCP-bound token', async () => {
    const host = new HostProvider(REDIRECT);
    const serverUrl = mcp();
    // Record what the SDK asks for, to show each step hit our real endpoints.
    const asked: string[] = [];
    const fetchFn = (input: string | URL, init?: RequestInit) => {
      asked.push(`${init?.method ?? 'GET'} ${new URL(String(input)).pathname}`);
      return fetch(input, init);
    };
    expect(await mcpAuth(host, { serverUrl, fetchFn })).toBe('REDIRECT');
    expect(host.info?.client_id).toBeTruthy();
    expect(asked).toEqual(expect.arrayContaining([
      'GET /.well-known/oauth-protected-resource/api/mcp', 'GET /.well-known/oauth-authorization-server', 'POST /oauth/register',
    ]));
    const url = host.authorizationUrl as URL;
    expect(url.origin).toBe(issuer);
    expect(url.searchParams.get('resource')).toBe(serverUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const browser = new Browser();
    const page = await browser.follow(url.href, () => false);
    const userCode = userCodeOf(await (page.res as Response).text());
    expect((await decideOverHttp(server.url, A, userCode, true)).status).toBe(200);
    const done = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(REDIRECT));
    const code = done.url.searchParams.get('code');
    expect(code).toBeTruthy();

    expect(await mcpAuth(host, { serverUrl, authorizationCode: code as string, fetchFn })).toBe('AUTHORIZED');
    expect(asked).toContain('POST /oauth/token');
    const saved = host.saved as OAuthTokens;
    expect(decodeJwt(saved.access_token)).toMatchObject({ aud: serverUrl, tenant: A.tenantId });
    // Audience binding: the MCP token is no API token.
    const refused = await get('/api/v1/status', saved.access_token);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });
});
