import { auth } from '@modelcontextprotocol/sdk/client/auth.js';
import { HostProvider } from '../../../test/mcp-host.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, Browser, type OAuthHarness, startOAuth, userCodeOf } from './oauth-server.fixture.js';

const REDIRECT = 'http://localhost:9/mcp-callback';

describe('authorization server: the MCP TypeScript SDK client auth() flow', () => {
  let h: OAuthHarness;
  beforeAll(async () => {
    h = await startOAuth();
  });
  afterAll(() => h.close());

  it('gets an MCP-bound token through RFC 9728 -> 8414 -> 7591 -> PKCE -> 8707', async () => {
    const host = new HostProvider(REDIRECT);
    const serverUrl = h.auth.resources.mcp;
    expect(await auth(host, { serverUrl })).toBe('REDIRECT');
    expect(host.info?.client_id).toBeTruthy();
    const url = host.authorizationUrl as URL;
    expect(url.searchParams.get('resource')).toBe(serverUrl);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');

    const browser = new Browser();
    const page = await browser.follow(url.href, () => false);
    const userCode = userCodeOf(await (page.res as Response).text());
    const deviceId = await approve(h, userCode);
    const done = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(REDIRECT));
    const code = done.url.searchParams.get('code');
    expect(code).toBeTruthy();

    expect(await auth(host, { serverUrl, authorizationCode: code as string })).toBe('AUTHORIZED');
    const tokens = host.saved as OAuthTokens;
    expect(decodeJwt(tokens.access_token)).toMatchObject({ aud: serverUrl, device: deviceId, tenant: h.tenantId });
    await expect(h.auth.verifyAccessToken(tokens.access_token, serverUrl)).resolves.toMatchObject({ deviceId });

    // With tokens saved, auth() refreshes instead of redirecting.
    expect(await auth(host, { serverUrl })).toBe('AUTHORIZED');
    expect(host.saved?.refresh_token).not.toBe(tokens.refresh_token);
  });
});
