import { randomBytes } from 'node:crypto';
import { DeviceList, FileDto, FileList, ResourceDto, SearchResponse, UploadResult } from '@p8fs/contracts';
import { z } from 'zod';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../src/adapters/mailer/test-smtp.fixture.js';
import { CLI_CLIENT_ID, DEVICE_CODE_GRANT } from '../src/adapters/oauth/provider-config.js';
import type { App, AuthServices } from '../src/app.js';
import { approvalMessage, signEd25519 } from '../src/domain/ed25519.js';
import { FIRST_PARTY_SCOPE } from '../src/services/auth/registration.js';
import type { RouteSpec } from '../src/transports/http/route-spec.js';
import { buildRoutes } from '../src/transports/http/routes/index.js';
import { type HttpServer, startHttpServer } from '../src/transports/http/server.js';
import { decideOverHttp, type RegisteredDevice, registerOverHttp } from './http-tenants.js';
import { createTestApp, waitFor } from './support.js';

// Words only tenant A's note contains: if any of them reaches tenant B, content leaked.
const SECRET_WORDS = 'zanzibar quokka marmalade';
const NOTE_A = `# Tenant A private note\n\nThe ${SECRET_WORDS} ledger lives in the attic.\n`;
const NOTE_B = '# Tenant B note\n\nNothing special about lighthouses here.\n';

/** What a route is asked by tenant B with A's ids, and what B must get. */
interface Case {
  query?: string;
  body?: () => BodyInit;
  headers?: Record<string, string>;
  /** B's expected status. 2xx answers are also searched for A's ids and content. */
  b: number | number[];
  /** A's own status for the same request (proves B's refusal is about B, not a broken request); omitted for destructive routes. */
  a?: number;
}

const json = (v: unknown) => () => JSON.stringify(v);
const JSON_HEADERS = { 'content-type': 'application/json' };
const randomUserCode = () => 'WXYZ-KLMN';

/** An agent definition file for A (`p8-type: agent`), upserted by name into A's agents. */
function agentForm(): FormData {
  const fd = new FormData();
  const yaml = 'p8-type: agent\nname: quokka-keeper\ndescription: keeps the zanzibar ledger\ninstructions: You keep the ledger.\n';
  fd.append('path', 'agents/quokka-keeper.yaml');
  fd.append('file', new Blob([yaml], { type: 'application/yaml' }), 'quokka-keeper.yaml');
  return fd;
}

function form(content: string, name: string): FormData {
  const fd = new FormData();
  fd.append('path', `notes/${name}`);
  fd.append('file', new Blob([content], { type: 'text/markdown' }), name);
  return fd;
}

/**
 * Every protected route, by operationId. The suite fails when buildRoutes has a protected route
 * missing here, so a new route cannot skip the isolation checks.
 */
const CASES: Record<string, Case> = {
  statusPage: { b: 200, a: 200 },
  vaultStatus: { b: 200, a: 200 },
  uploadFile: { body: () => form(NOTE_B, 'b.md'), b: [200, 202] },
  uploadFileRaw: { query: '?path=notes/b-raw.txt', body: () => 'tenant B raw upload', headers: { 'content-type': 'text/plain' }, b: [200, 202] },
  listFiles: { b: 200, a: 200 },
  getFile: { b: 404, a: 200 },
  getFileContent: { b: 404, a: 200 },
  deleteFile: { b: 404 },
  listFileResources: { b: 404, a: 200 },
  reprocessFiles: { body: () => '', headers: JSON_HEADERS, b: 202 },
  listFileArtifacts: { b: 404, a: 200 },
  getFileArtifact: { b: 404 },
  getResource: { b: 404, a: 200 },
  search: { body: json({ query: SECRET_WORDS, limit: 20, mode: 'hybrid' }), headers: JSON_HEADERS, b: 200, a: 200 },
  getApproval: { b: 404 },
  decideApproval: { headers: JSON_HEADERS, b: 404 },
  listDevices: { b: 200, a: 200 },
  renameDevice: { body: json({ name: 'renamed by B' }), headers: JSON_HEADERS, b: 404 },
  revokeDevice: { b: 404 },
  createMoment: { body: json({ name: 'B moment' }), headers: JSON_HEADERS, b: 200 },
  listMoments: { b: 200, a: 200 },
  getMoment: { b: 404, a: 200 },
  updateMoment: { body: json({ summary: 'by B' }), headers: JSON_HEADERS, b: 404 },
  deleteMoment: { b: 404 },
  listAgents: { b: 200, a: 200 },
  getAgent: { b: 404, a: 200 },
  // SQL for A's words: B's vault has none of them.
  remQuery: { body: json({ query: "SELECT id, name, content FROM resources WHERE content ILIKE '%quokka%'" }), headers: JSON_HEADERS, b: 200, a: 200 },
};

describe('tenant isolation over HTTP: every protected route with the other tenant’s ids and tokens', () => {
  let smtp: TestSmtp;
  let app: App & { dataDir: string };
  let server: HttpServer;
  let auth: AuthServices;
  let routes: RouteSpec[];
  let A: RegisteredDevice;
  let B: RegisteredDevice;
  let fileId = '';
  let resourceId = '';
  let momentId = '';
  let mcpTokenA = '';
  const url = (path: string) => `${server.url}${path}`;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await createTestApp({ smtpUrl: smtp.url, chunkTokens: 32, chunkOverlapTokens: 0 });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    auth = await app.auth();
    app.pool.start();
    routes = buildRoutes(app, { services: auth, ownerSecret: null }).filter((r) => !r.public);

    A = await registerOverHttp(server.url, smtp, 'alice@example.com', 'phone A');
    B = await registerOverHttp(server.url, smtp, 'bob@example.com', 'phone B');

    const up = await fetch(url('/api/v1/files'), { method: 'POST', headers: bearer(A.accessToken), body: form(NOTE_A, 'a.md') });
    expect(up.status).toBe(202);
    fileId = UploadResult.parse(await up.json()).id;
    const file = await waitFor(async () => {
      const f = FileDto.parse(await (await fetch(url(`/api/v1/files/${fileId}`), { headers: bearer(A.accessToken) })).json());
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    });
    expect(file.status).toBe('indexed');
    const { resources } = z.object({ resources: z.array(ResourceDto) }).parse(await (await fetch(url(`/api/v1/files/${fileId}/resources`), { headers: bearer(A.accessToken) })).json());
    resourceId = resources[0]?.id ?? '';
    expect(resourceId).not.toBe('');

    const moment = await fetch(url('/api/v1/entity/moments'), {
      method: 'POST', headers: { ...JSON_HEADERS, ...bearer(A.accessToken) },
      body: JSON.stringify({ name: 'A private moment', summary: `the ${SECRET_WORDS} meeting`, present_persons: [{ name: 'Zanzibar Quokka' }] }),
    });
    expect(moment.status).toBe(200);
    momentId = ((await moment.json()) as { id: string }).id;
    const agent = await fetch(url('/api/v1/files'), { method: 'POST', headers: bearer(A.accessToken), body: agentForm() });
    expect(agent.status).toBe(202);
    await waitFor(async () => (await fetch(url('/api/v1/entity/agents/quokka-keeper'), { headers: bearer(A.accessToken) })).status === 200);

    // A token A's device holds for the MCP endpoint (RFC 8707 audience), which the API must refuse.
    mcpTokenA = (await auth.server.issueTokens({
      tenantId: A.tenantId, deviceId: A.deviceId, clientId: CLI_CLIENT_ID, scope: FIRST_PARTY_SCOPE, resource: auth.server.resources.mcp,
    })).access_token;
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await smtp?.close();
  });

  it('registers two separate tenants by e-mail code and key proof', () => {
    expect(A.tenantId).not.toBe(B.tenantId);
    expect(A.tenantId).not.toBe(app.config.tenantId);
    expect(decodeJwt(A.accessToken)).toMatchObject({ tenant: A.tenantId, device: A.deviceId, aud: auth.server.resources.api });
  });

  it('has a case for every protected route, and no case for a route that is gone', () => {
    expect(Object.keys(CASES).sort()).toEqual(routes.map((r) => r.operationId).sort());
  });

  /** The path with A's ids: {id} by the route's tag, {name} an artifact name, {code} a user code nobody holds. */
  function pathOf(route: RouteSpec): string {
    return route.path.replace(/\{(\w+)\}/g, (_, param: string) => {
      if (param === 'id' && route.tag === 'files') return fileId;
      if (param === 'id' && route.tag === 'resources') return resourceId;
      if (param === 'id' && route.tag === 'auth') return A.deviceId;
      if (param === 'id' && route.tag === 'moments') return momentId;
      if (param === 'name' && route.tag === 'agents') return 'quokka-keeper';
      if (param === 'name') return 'thumbnail';
      if (param === 'code') return randomUserCode();
      throw new Error(`no value for {${param}} in ${route.path}: teach the isolation suite about it`);
    });
  }

  /** The request a case makes; decideApproval is signed by the caller's own key. */
  function request(route: RouteSpec, token: string | null, signer: RegisteredDevice = B): Request {
    const c = CASES[route.operationId] as Case;
    let body = c.body?.();
    if (route.operationId === 'reprocessFiles') body = JSON.stringify({ ids: [fileId] });
    if (route.operationId === 'decideApproval') {
      // Signed properly, so the refusal is about the code and tenant, not a bad signature.
      return new Request(url(route.path), { method: 'POST', headers: { ...JSON_HEADERS, ...(token ? bearer(token) : {}) }, body: JSON.stringify(signed(signer, randomUserCode())) });
    }
    return new Request(url(`${pathOf(route)}${c.query ?? ''}`), {
      method: route.method.toUpperCase(),
      headers: { ...(c.headers ?? {}), ...(token ? bearer(token) : {}) },
      ...(body === undefined ? {} : { body }),
    });
  }

  it('answers 401 with the RFC 9728 challenge on every protected route without a token', async () => {
    const problems: string[] = [];
    for (const route of routes) {
      const res = await fetch(request(route, null));
      await res.arrayBuffer();
      const challenge = res.headers.get('www-authenticate') ?? '';
      if (res.status !== 401) problems.push(`${route.operationId}: ${res.status}`);
      else if (challenge !== `Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource"`) {
        problems.push(`${route.operationId}: challenge ${JSON.stringify(challenge)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a token for the MCP audience on every protected route (RFC 8707)', async () => {
    const problems: string[] = [];
    for (const route of routes) {
      const res = await fetch(request(route, mcpTokenA, A));
      await res.arrayBuffer();
      if (res.status !== 401) problems.push(`${route.operationId}: ${res.status}`);
      else if (!res.headers.get('www-authenticate')?.includes('error="invalid_token"')) problems.push(`${route.operationId}: no invalid_token challenge`);
    }
    expect(problems).toEqual([]);
  });

  it('gives tenant B nothing of A: 404 for A’s ids, lists and searches without A’s ids or content', async () => {
    const leaks = [fileId, resourceId, momentId, A.deviceId, A.tenantId, 'zanzibar', 'quokka', 'ledger'];
    const problems: string[] = [];
    for (const route of routes) {
      const c = CASES[route.operationId] as Case;
      const res = await fetch(request(route, B.accessToken));
      let text = await res.text();
      // Search echoes B's own query (A's words): only what it found counts.
      if (route.operationId === 'search' && res.status === 200) text = JSON.stringify(SearchResponse.parse(JSON.parse(text)).results);
      const expected = Array.isArray(c.b) ? c.b : [c.b];
      if (!expected.includes(res.status)) problems.push(`${route.operationId}: ${res.status} ${text.slice(0, 200)}`);
      // An error may echo the id B itself sent; a success must carry nothing of A's.
      // remQuery echoes B's own statement, which names A's words and ids: only the rows count.
      if (route.operationId === 'remQuery' && res.status === 200) text = JSON.stringify((JSON.parse(text) as { rows: unknown }).rows);
      const forbidden = res.status < 300 ? leaks : leaks.filter((l) => l !== fileId && l !== resourceId && l !== momentId && l !== A.deviceId && !(route.tag === 'agents' && l === 'quokka'));
      for (const l of forbidden) if (text.includes(l)) problems.push(`${route.operationId}: answer contains ${l}`);
      if (route.operationId === 'reprocessFiles' && res.status === 202) expect(JSON.parse(text)).toEqual({ queued: 0 });
    }
    expect(problems).toEqual([]);
  });

  it('the same requests succeed for A (the refusals above are about the tenant, not the request)', async () => {
    const problems: string[] = [];
    for (const route of routes) {
      const c = CASES[route.operationId] as Case;
      if (c.a === undefined) continue;
      const res = await fetch(request(route, A.accessToken, A));
      const text = await res.text();
      if (res.status !== c.a) problems.push(`${route.operationId}: ${res.status} ${text.slice(0, 200)}`);
    }
    expect(problems).toEqual([]);
    // B's attempts to delete A's file and revoke or rename A's device changed nothing.
    const files = FileList.parse(await (await fetch(url('/api/v1/files'), { headers: bearer(A.accessToken) })).json());
    expect(files.files.map((f) => f.id)).toContain(fileId);
    const { devices } = DeviceList.parse(await (await fetch(url('/api/v1/devices'), { headers: bearer(A.accessToken) })).json());
    expect(devices.find((d) => d.id === A.deviceId)).toMatchObject({ status: 'active', name: 'phone A' });
    const search = await (await fetch(url('/api/v1/search'), { method: 'POST', headers: { ...JSON_HEADERS, ...bearer(A.accessToken) }, body: JSON.stringify({ query: SECRET_WORDS }) })).text();
    expect(search).toContain(resourceId);
  });

  it('refuses a tampered token: payload changed to another tenant, or a broken signature', async () => {
    const [h, p, s] = A.accessToken.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = `${h}.${Buffer.from(JSON.stringify({ ...claims, tenant: B.tenantId })).toString('base64url')}.${s}`;
    const sig = Buffer.from(s, 'base64url');
    sig[5] = (sig[5] as number) ^ 0xff;
    const broken = `${h}.${p}.${sig.toString('base64url')}`;
    for (const token of [forged, broken, `${A.accessToken}x`, 'not-a-jwt']) {
      const res = await fetch(url('/api/v1/files'), { headers: bearer(token) });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toContain('resource_metadata=');
    }
  });

  it('cuts off a revoked device at once: its access token and its refresh token stop working', async () => {
    const laptop = await registerOverHttp(server.url, smtp, 'alice@example.com', 'laptop A');
    expect(laptop.tenantId).toBe(A.tenantId);
    expect((await fetch(url('/api/v1/status'), { headers: bearer(laptop.accessToken) })).status).toBe(200);

    // B cannot revoke it; A can.
    expect((await fetch(url(`/api/v1/devices/${laptop.deviceId}`), { method: 'DELETE', headers: bearer(B.accessToken) })).status).toBe(404);
    const revoked = await fetch(url(`/api/v1/devices/${laptop.deviceId}`), { method: 'DELETE', headers: bearer(A.accessToken) });
    expect(revoked.status).toBe(200);
    expect(await revoked.json()).toMatchObject({ id: laptop.deviceId, status: 'revoked' });

    const after = await fetch(url('/api/v1/status'), { headers: bearer(laptop.accessToken) });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('error="invalid_token"');
    const refresh = await fetch(url('/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: laptop.refreshToken, client_id: CLI_CLIENT_ID }),
    });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: 'invalid_grant' });
    // A's other device is untouched.
    expect((await fetch(url('/api/v1/status'), { headers: bearer(A.accessToken) })).status).toBe(200);
  });

  it('treats a user code as a bearer secret: B approving it creates a device in B’s tenant, never in A’s', async () => {
    // A new CLI asks to sign in (RFC 8628); whoever approves its code owns the new device.
    const started = await fetch(url('/oauth/device/auth'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: CLI_CLIENT_ID, scope: 'offline_access vault:read vault:write' }),
    });
    expect(started.status).toBe(200);
    const { user_code: userCode, device_code: deviceCode } = (await started.json()) as { user_code: string; device_code: string };

    // Looking a pending code up is open to any signed-in device (it is how the person decides).
    expect((await fetch(url(`/api/v1/approvals/${userCode}`), { headers: bearer(B.accessToken) })).status).toBe(200);
    const decided = await decideOverHttp(server.url, B, userCode, true);
    expect(decided.status).toBe(200);
    const { device_id: newDevice } = (await decided.json()) as { device_id: string };

    // A second decision (by A) is refused: the request is settled.
    expect((await decideOverHttp(server.url, A, userCode, true)).status).toBe(409);
    const listed = async (d: RegisteredDevice) =>
      DeviceList.parse(await (await fetch(url('/api/v1/devices'), { headers: bearer(d.accessToken) })).json()).devices.map((x) => x.id);
    expect(await listed(B)).toContain(newDevice);
    expect(await listed(A)).not.toContain(newDevice);

    const poll = await fetch(url('/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: DEVICE_CODE_GRANT, device_code: deviceCode, client_id: CLI_CLIENT_ID }),
    });
    expect(poll.status).toBe(200);
    const { access_token: cliToken } = (await poll.json()) as { access_token: string };
    expect(decodeJwt(cliToken)).toMatchObject({ tenant: B.tenantId, device: newDevice });
    // The new CLI sees B's vault, not A's.
    const files = await (await fetch(url('/api/v1/files'), { headers: bearer(cliToken) })).text();
    expect(files).not.toContain(fileId);
  });
});

function signed(device: RegisteredDevice, userCode: string) {
  // decideOverHttp builds the same body; here the caller's own token goes with it.
  const nonce = randomBytes(18).toString('base64url');
  return { user_code: userCode, approve: true, nonce, signature: signatureOf(device, userCode, nonce) };
}

function signatureOf(device: RegisteredDevice, userCode: string, nonce: string): string {
  return signEd25519(device.keys.privateKey, approvalMessage(userCode, nonce, true));
}
