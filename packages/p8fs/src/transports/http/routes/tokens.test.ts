import { AccessTokenList, CreatedAccessToken, TokenSet } from '@p8fs/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../../test/support.js';
import type { App } from '../../../app.js';
import { type HttpServer, startHttpServer } from '../server.js';

const OWNER_SECRET = 'owner-secret-for-this-test';
const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const TOOLS_LIST = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} });

// Personal access tokens over a real server: created over HTTP by a first-party sign-in, accepted
// for their own audience only, refused for account work, and dead from the request after revocation.
describe('personal access tokens over HTTP and MCP', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  let owner = '';
  const url = (path: string) => `${server.url}${path}`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const create = async (input: unknown, token = owner) =>
    fetch(url('/api/v1/tokens'), { method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify(input) });
  const created = async (input: unknown) => {
    const res = await create(input);
    expect(res.status).toBe(201);
    return CreatedAccessToken.parse(await res.json());
  };
  const mcp = (token: string) => fetch(url('/api/mcp'), { method: 'POST', headers: { ...MCP_HEADERS, ...bearer(token) }, body: TOOLS_LIST });

  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0, ownerSecret: OWNER_SECRET });
    owner = await ownerToken(app, server.url);
  });
  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('an api token works on /api/v1 and is refused at /api/mcp with the MCP challenge', async () => {
    const pat = await created({ name: 'script', scopes: ['vault:read'] });
    expect(pat).toMatchObject({ name: 'script', audience: 'api', scopes: ['vault:read'], status: 'active' });
    expect((await fetch(url('/api/v1/status'), { headers: bearer(pat.token) })).status).toBe(200);
    const res = await mcp(pat.token);
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource/api/mcp", error="invalid_token"`);
  });

  it('an mcp token works at /api/mcp and is refused on /api/v1 with the API challenge', async () => {
    const pat = await created({ name: 'claude-code', audience: 'mcp' });
    const ok = await mcp(pat.token);
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain('"search"');
    const res = await fetch(url('/api/v1/status'), { headers: bearer(pat.token) });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource", error="invalid_token"`);
  });

  it('a token cannot manage tokens (403), and a revoked one is refused on the next request', async () => {
    const pat = await created({ name: 'writer', scopes: ['vault:write'] });
    expect(pat.scopes).toEqual(['vault:read', 'vault:write']);
    expect((await create({ name: 'minted by a token' }, pat.token)).status).toBe(403);
    expect((await fetch(url('/api/v1/tokens'), { headers: bearer(pat.token) })).status).toBe(403);

    const list = AccessTokenList.parse(await (await fetch(url('/api/v1/tokens'), { headers: bearer(owner) })).json());
    expect(list.tokens.map((t) => t.id)).toContain(pat.id);
    expect(JSON.stringify(list)).not.toContain(pat.token);

    expect((await fetch(url('/api/v1/status'), { headers: bearer(pat.token) })).status).toBe(200);
    const gone = await fetch(url(`/api/v1/tokens/${pat.id}`), { method: 'DELETE', headers: bearer(owner) });
    expect(gone.status).toBe(200);
    expect(await gone.json()).toMatchObject({ id: pat.id, name: 'writer' });
    expect((await fetch(url('/api/v1/status'), { headers: bearer(pat.token) })).status).toBe(401);
    expect((await fetch(url(`/api/v1/tokens/${pat.id}`), { method: 'DELETE', headers: bearer(owner) })).status).toBe(404);
  });

  it('validates the body: unknown scope, audience or lifetime is 400', async () => {
    for (const input of [{ name: 'x', scopes: ['admin'] }, { name: 'x', audience: 'both' }, { name: 'x', expires_in: 10 }, { name: '' }]) {
      expect((await create(input)).status, JSON.stringify(input)).toBe(400);
    }
  });

  it('local-token gives the owner a token for the audience asked (api by default)', async () => {
    const post = (query: string) => fetch(url(`/api/v1/auth/local-token${query}`), { method: 'POST', headers: { 'x-p8fs-owner-secret': OWNER_SECRET } });
    const api = TokenSet.parse(await (await post('')).json());
    const mcpSet = TokenSet.parse(await (await post('?audience=mcp')).json());
    expect(decodeJwt(api.access_token).aud).toBe(`${server.url}/api`);
    expect(decodeJwt(mcpSet.access_token).aud).toBe(`${server.url}/api/mcp`);
    expect((await mcp(mcpSet.access_token)).status).toBe(200);
    expect((await post('?audience=both')).status).toBe(400);
  });
});
