import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPE } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../test/support.js';
import type { App } from '../../app.js';
import { APPROVAL_GUESSES_PER_TENANT, AUTH_RATE_LIMITS } from './rate-limit.js';
import { type HttpServer, startHttpServer } from './server.js';

/** GET an approval by code with a token, from a given local address (all of 127/8 is loopback). */
function lookup(url: string, token: string, from: string, code = 'BCDF-GHJK'): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}/api/v1/approvals/${code}`, { localAddress: from, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

async function statuses(n: number, call: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(await call());
  return out;
}

describe('guessing approval codes is rate-limited', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  let owner: string;
  let other: string;

  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    owner = await ownerToken(app, server.url);
    // A second tenant with a device of its own.
    const deviceId = randomUUID();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('t_other', 'other')`);
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, 't_other', 'laptop', 'cli')`, [deviceId]);
    const auth = await app.auth(server.url);
    other = (await auth.server.issueTokens({ tenantId: 't_other', deviceId, clientId: FIRST_PARTY_CLIENT_ID, scope: FIRST_PARTY_SCOPE, resource: auth.server.resources.api })).access_token;
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('per client address: wrong codes are counted, then 429', async () => {
    const limit = AUTH_RATE_LIMITS['approval-lookup'];
    expect(await statuses(limit, () => lookup(server.url, owner, '127.0.0.2'))).toEqual(Array(limit).fill(404));
    expect(await lookup(server.url, owner, '127.0.0.2')).toBe(429);
  });

  it('per tenant: many addresses together get no more wrong codes; other tenants are not affected', async () => {
    // Each address stays under its own limit; together they reach the tenant's (the test above
    // already spent some of it from 127.0.0.2).
    const perAddress = AUTH_RATE_LIMITS['approval-lookup'];
    const answers: number[] = [];
    for (let a = 10; a < 10 + Math.ceil(APPROVAL_GUESSES_PER_TENANT / perAddress); a++) {
      answers.push(...await statuses(perAddress, () => lookup(server.url, owner, `127.0.0.${a}`)));
    }
    expect(answers.filter((s) => s === 404).length).toBe(APPROVAL_GUESSES_PER_TENANT - perAddress);
    expect(answers.at(-1)).toBe(429);
    expect(await lookup(server.url, owner, '127.0.1.1')).toBe(429);
    expect(await lookup(server.url, other, '127.0.1.1')).toBe(404);
  });
});
