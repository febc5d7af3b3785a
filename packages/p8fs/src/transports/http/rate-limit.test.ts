import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { AUTH_RATE_LIMITS, RateLimiter } from './rate-limit.js';
import { type HttpServer, startHttpServer } from './server.js';

describe('RateLimiter', () => {
  it('allows the limit per window, then answers with the seconds left; a new window starts afresh', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) expect(limiter.take('a')).toEqual({ ok: true });
    now += 15_000;
    expect(limiter.check('a')).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(limiter.take('a')).toEqual({ ok: false, retryAfterSeconds: 45 });
    expect(limiter.check('b')).toEqual({ ok: true });
    // Another key has its own budget.
    expect(limiter.take('b')).toEqual({ ok: true });
    now += 45_000;
    expect(limiter.take('a')).toEqual({ ok: true });
  });

  it('stays within maxKeys, evicting the oldest windows, and drops expired ones', () => {
    let now = 0;
    const limiter = new RateLimiter({ limit: 1, windowMs: 1_000, maxKeys: 100, now: () => now });
    for (let i = 0; i < 1_000; i++) limiter.take(`ip-${i}`);
    expect(limiter.size).toBe(100);
    // The newest key is still counted; the oldest was forgotten.
    expect(limiter.take('ip-999').ok).toBe(false);
    expect(limiter.take('ip-0').ok).toBe(true);
    now += 1_000;
    limiter.take('fresh');
    expect(limiter.size).toBe(1);
  });
});

describe('auth rate limits on a real server', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, ownerSecret: 'secret' });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  async function hammer(path: string, times: number, init: RequestInit): Promise<Response[]> {
    const out: Response[] = [];
    for (let i = 0; i < times; i++) {
      const res = await fetch(`${server.url}${path}`, init);
      await res.arrayBuffer();
      out.push(res);
    }
    return out;
  }

  it('answers 429 rate_limited with Retry-After past the limit of an API auth route', async () => {
    const limit = AUTH_RATE_LIMITS['local-token'];
    // The owner's CLI asks once per command: right secrets are never counted (only guesses are).
    const right = await hammer('/api/v1/auth/local-token', limit + 5, { method: 'POST', headers: { 'x-p8fs-owner-secret': 'secret' } });
    expect(right.every((r) => r.status === 200)).toBe(true);
    const init = { method: 'POST', headers: { 'x-p8fs-owner-secret': 'wrong' } };
    const answers = await hammer('/api/v1/auth/local-token', limit, init);
    expect(answers.map((r) => r.status)).toEqual(Array(limit).fill(401));
    const over = await fetch(`${server.url}/api/v1/auth/local-token`, { ...init, headers: { 'x-p8fs-owner-secret': 'secret' } });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await over.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Other routes are not limited by it.
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it('limits the OAuth token endpoint in front of oidc-provider', async () => {
    const limit = AUTH_RATE_LIMITS['oauth-token'];
    const init = { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&refresh_token=x&client_id=nope' };
    const answers = await hammer('/oauth/token', limit, init);
    expect(answers.every((r) => r.status !== 429)).toBe(true);
    const over = await fetch(`${server.url}/oauth/token`, init);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await over.json()).toMatchObject({ error: { code: 'rate_limited' } });
    // Discovery (GET) is not limited.
    expect((await fetch(`${server.url}/.well-known/oauth-authorization-server`)).status).toBe(200);
  });
});
