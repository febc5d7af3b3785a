import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approve, Browser, discover, insecure, type OAuthHarness, startOAuth, userCodeOf } from './oauth-server.fixture.js';
import { CLI_CLIENT_ID } from './provider-config.js';

// Issue 12, finding 5: a self-registered client must not turn the authorization server into an open
// redirector (RFC 9700 §4.11.2), and every page the provider renders carries the CSP.

const LOOPBACK = 'http://127.0.0.1:9/callback';
const EVIL = 'https://evil.example/phish';

async function register(issuer: string, metadata: Record<string, unknown>): Promise<Response> {
  return fetch(`${issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], ...metadata }),
  });
}

async function registered(issuer: string, metadata: Record<string, unknown>): Promise<string> {
  const res = await register(issuer, metadata);
  expect(res.status).toBe(201);
  return ((await res.json()) as { client_id: string }).client_id;
}

function expectCsp(res: Response): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res.headers.get('x-content-type-options')).toBe('nosniff');
}

const xsrfOf = (html: string) => /name="xsrf" value="([^"]+)"/.exec(html)?.[1] as string;

describe('authorization server: no open redirects', () => {
  let h: OAuthHarness;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    h = await startOAuth();
    as = await discover(h.issuer);
  });
  afterAll(() => h.close());

  it('registration refuses plain-http redirect URIs that are not loopback', async () => {
    for (const uri of ['http://evil.example/cb', 'http://10.0.0.5/cb', 'http://localhost.evil.example/cb']) {
      const res = await register(h.issuer, { redirect_uris: [uri] });
      expect(res.status, uri).toBe(400);
      expect(((await res.json()) as { error: string }).error).toBe('invalid_redirect_uri');
    }
    const logout = await register(h.issuer, { redirect_uris: [LOOPBACK], post_logout_redirect_uris: ['http://evil.example/bye'] });
    expect(logout.status).toBe(400);
    // Schemes a browser runs or reads locally are refused even for native apps.
    const js = await register(h.issuer, { application_type: 'native', redirect_uris: ['javascript:alert(1)'] });
    expect(js.status).toBe(400);
  });

  it('registration accepts https, loopback http and, for native apps, a private-use scheme', async () => {
    for (const uri of ['https://app.example/cb', 'http://127.0.0.1:4000/cb', 'http://[::1]:4000/cb', 'http://localhost:4000/cb']) {
      expect((await register(h.issuer, { redirect_uris: [uri] })).status, uri).toBe(201);
    }
    expect((await register(h.issuer, { application_type: 'native', redirect_uris: ['com.example.app:/oauth'] })).status).toBe(201);
    // A web client has no business with a custom scheme.
    expect((await register(h.issuer, { redirect_uris: ['com.example.app:/oauth'] })).status).toBe(400);
  });

  async function authorizeUrl(clientId: string, redirectUri: string, extra: Record<string, string> = {}): Promise<string> {
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: clientId,
      redirect_uri: redirectUri,
      response_type: 'code',
      scope: 'vault:read',
      state: 's1',
      code_challenge: await oauth.calculatePKCECodeChallenge(oauth.generateRandomCodeVerifier()),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return url.href;
  }

  it('prompt=none from a self-registered client answers on a page, never by redirect', async () => {
    const clientId = await registered(h.issuer, { client_name: 'Phisher', redirect_uris: [EVIL] });
    const res = await fetch(await authorizeUrl(clientId, EVIL, { prompt: 'none' }), { redirect: 'manual' });
    expect(res.headers.get('location')).toBeNull();
    expect(res.status).toBe(400);
    expectCsp(res);
    expect(await res.text()).toContain('login_required');

    // Any other error before a person saw the request stays on the server too (here: no PKCE).
    const url = new URL(await authorizeUrl(clientId, EVIL));
    url.searchParams.delete('code_challenge');
    const noPkce = await fetch(url, { redirect: 'manual' });
    expect(noPkce.headers.get('location')).toBeNull();
    expect(noPkce.status).toBe(400);
  });

  it('the first-party client still gets prompt=none errors at its loopback redirect', async () => {
    const res = await fetch(await authorizeUrl(CLI_CLIENT_ID, 'http://127.0.0.1:7/callback', { prompt: 'none' }), { redirect: 'manual' });
    expect(res.status).toBe(303);
    const location = new URL(res.headers.get('location') as string);
    expect(location.origin).toBe('http://127.0.0.1:7');
    expect(location.searchParams.get('error')).toBe('login_required');
  });

  it('a form_post response runs its own auto-submit script only, posting only to the redirect URI', async () => {
    const res = await fetch(await authorizeUrl(CLI_CLIENT_ID, 'http://127.0.0.1:7/callback', { prompt: 'none', response_mode: 'form_post' }), {
      redirect: 'manual',
    });
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toMatch(/script-src 'sha256-[^']+'(;|$)/);
    expect(csp).toContain("form-action 'self' http://127.0.0.1:7;");
    expect(await res.text()).toContain('action="http://127.0.0.1:7/callback"');
  });

  it('logout without id_token_hint shows a page with a button and never leaves for the registered URI', async () => {
    const clientId = await registered(h.issuer, { redirect_uris: [LOOPBACK], post_logout_redirect_uris: [EVIL] });
    const browser = new Browser();
    const page = await browser.get(`${h.issuer}/oauth/logout?client_id=${clientId}&post_logout_redirect_uri=${encodeURIComponent(EVIL)}`);
    expect(page.status).toBe(200);
    expectCsp(page);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'none'");
    const html = await page.text();
    expect(html).not.toContain('<script');
    expect(html).toMatch(/<button[^>]*type="submit"/);

    // Clicking the button signs out and stays on this server.
    const done = await browser.post(`${h.issuer}/oauth/logout/confirm`, { xsrf: xsrfOf(html), logout: 'yes' });
    expect(done.status).toBe(303);
    const location = new URL(done.headers.get('location') as string, h.issuer);
    expect(location.origin).toBe(h.issuer);
    const success = await browser.get(location.href);
    expectCsp(success);
  });

  it('logout with a valid id_token_hint returns to the registered URI after the click', async () => {
    const after = 'https://rp.example/after-logout';
    const client: oauth.Client = {
      client_id: await registered(h.issuer, { redirect_uris: [LOOPBACK], post_logout_redirect_uris: [after] }),
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: 'ES256',
    };
    const verifier = oauth.generateRandomCodeVerifier();
    const url = new URL(await authorizeUrl(client.client_id, LOOPBACK, { scope: 'openid vault:read', state: 'st' }));
    url.searchParams.set('code_challenge', await oauth.calculatePKCECodeChallenge(verifier));
    const browser = new Browser();
    const page = await browser.follow(url.href, () => false);
    await approve(h, userCodeOf(await (page.res as Response).text()));
    const back = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(LOOPBACK));
    const params = oauth.validateAuthResponse(as, client, back.url, 'st');
    const res = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, LOOPBACK, verifier, insecure);
    const tokens = await oauth.processAuthorizationCodeResponse(as, client, res, { requireIdToken: true });

    // Silent re-authentication is still legitimate: this browser signed in and a person approved
    // this client, so prompt=none answers with a code at its redirect URI.
    const silent = await browser.get(await authorizeUrl(client.client_id, LOOPBACK, { prompt: 'none', scope: 'openid vault:read' }));
    expect(silent.status).toBe(303);
    const code = new URL(silent.headers.get('location') as string);
    expect(code.href.startsWith(LOOPBACK)).toBe(true);
    expect(code.searchParams.get('code')).toBeTruthy();

    const logout = await browser.get(
      `${h.issuer}/oauth/logout?id_token_hint=${tokens.id_token}&post_logout_redirect_uri=${encodeURIComponent(after)}&state=bye`,
    );
    expect(logout.status).toBe(200);
    // The form's redirect target must be allowed by form-action, or browsers stop at the redirect.
    expect(logout.headers.get('content-security-policy')).toContain('https://rp.example');
    const html = await logout.text();
    expect(html).not.toContain('<script');
    const done = await browser.post(`${h.issuer}/oauth/logout/confirm`, { xsrf: xsrfOf(html), logout: 'yes' });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${after}?state=bye`);
  });

  it('error and device pages the provider renders carry the CSP', async () => {
    const error = await fetch(`${h.issuer}/oauth/authorize?client_id=nobody`, { redirect: 'manual' });
    expect(error.status).toBe(400);
    expectCsp(error);
    const device = await fetch(`${h.issuer}/oauth/device`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'user_code=BCDF-GHJK',
    });
    expect(device.headers.get('content-type')).toMatch(/html/);
    expectCsp(device);
  });
});
