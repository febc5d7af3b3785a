import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OAuthHarness, startOAuth } from './oauth-server.fixture.js';
import { CLI_CLIENT_ID } from './provider-config.js';

// Issue 12, finding 9: every URL the authorization server hands out is built from the configured
// issuer, never from what the request claims its Host (or absolute request target) to be.

interface Raw {
  status: number;
  body: string;
}

/** One HTTP request with a forged Host header (fetch would not let us set it). */
function raw(issuer: string, path: string, opts: { host: string; method?: string; body?: string }): Promise<Raw> {
  const url = new URL(issuer);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: opts.method ?? 'GET',
        path,
        headers: {
          host: opts.host,
          'x-forwarded-host': opts.host,
          'x-forwarded-proto': 'https',
          ...(opts.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

function urlsIn(doc: unknown): string[] {
  return JSON.stringify(doc).match(/https?:\/\/[^"]+/g) ?? [];
}

const onIssuer = (issuer: string, u: string) => u === issuer || u.startsWith(`${issuer}/`);

describe('authorization server: URLs come from the issuer', () => {
  let h: OAuthHarness;

  beforeAll(async () => {
    h = await startOAuth();
  });
  afterAll(() => h.close());

  it('discovery names the issuer host whatever Host the request sends', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await raw(h.issuer, path, { host: 'evil.example' });
      expect(res.status).toBe(200);
      const doc = JSON.parse(res.body) as Record<string, string>;
      expect(doc.token_endpoint).toBe(`${h.issuer}/oauth/token`);
      expect(doc.jwks_uri).toBe(`${h.issuer}/oauth/jwks`);
      expect(doc.registration_endpoint).toBe(`${h.issuer}/oauth/register`);
      for (const u of urlsIn(doc)) expect(onIssuer(h.issuer, u), u).toBe(true);
    }
  });

  it('an absolute request target does not change them either', async () => {
    const res = await raw(h.issuer, 'http://evil.example/.well-known/openid-configuration', { host: 'evil.example' });
    expect(res.status).toBe(200);
    for (const u of urlsIn(JSON.parse(res.body))) expect(onIssuer(h.issuer, u), u).toBe(true);
  });

  it('the device flow verification_uri is on the issuer', async () => {
    const res = await raw(h.issuer, '/oauth/device/auth', {
      host: 'evil.example',
      method: 'POST',
      body: new URLSearchParams({ client_id: CLI_CLIENT_ID, scope: 'vault:read' }).toString(),
    });
    expect(res.status).toBe(200);
    const body = JSON.parse(res.body) as { verification_uri: string; verification_uri_complete: string };
    expect(body.verification_uri).toBe(`${h.issuer}/oauth/device`);
    expect(body.verification_uri_complete.startsWith(`${h.issuer}/oauth/device?`)).toBe(true);
  });
});

describe('authorization server behind a trusted proxy: URLs still come from the issuer', () => {
  let h: OAuthHarness;

  beforeAll(async () => {
    h = await startOAuth({ trustProxy: true });
  });
  afterAll(() => h.close());

  it('ignores X-Forwarded-Host and X-Forwarded-Proto for the URLs it hands out', async () => {
    const res = await raw(h.issuer, '/.well-known/openid-configuration', { host: 'evil.example' });
    expect(res.status).toBe(200);
    for (const u of urlsIn(JSON.parse(res.body))) expect(onIssuer(h.issuer, u), u).toBe(true);
  });
});
