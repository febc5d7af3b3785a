import { FileDto, UploadResult } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerClient } from '../../../test/http-tenants.js';
import { parsePromText, type Sample, sampleValue } from '../../../test/prom-text.js';
import { createTestApp, ownerToken, waitFor } from '../../../test/support.js';
import { CLI_CLIENT_ID } from '../../adapters/oauth/provider-config.js';
import type { App } from '../../app.js';
import { isLoopbackHost } from './routes/metrics.js';
import { type HttpServer, startHttpServer } from './server.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function note(name: string, text: string): FormData {
  const fd = new FormData();
  fd.append('path', `notes/${name}`);
  fd.append('file', new Blob([text], { type: 'text/markdown' }), name);
  return fd;
}

describe('GET /metrics on the embedded default (loopback): open, and counting what the server did', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  let token = '';
  let samples: Sample[] = [];
  const url = (path: string) => `${server.url}${path}`;

  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    app.pool.start();
    token = await ownerToken(app, server.url);
    expect((await fetch(url('/health'))).status).toBe(200);
    expect((await fetch(url('/no/such/route'))).status).toBe(404);
    expect((await fetch(url('/api/v1/files/2b0c3f7e-1d2a-4c5b-9e8f-0a1b2c3d4e5f'), { headers: bearer(token) })).status).toBe(404);
    const up = await fetch(url('/api/v1/files'), { method: 'POST', headers: bearer(token), body: note('lighthouse.md', '# Lighthouse\n\nThe keeper logs every passing ship.\n') });
    expect(up.status).toBe(202);
    const { id } = UploadResult.parse(await up.json());
    const file = await waitFor(async () => {
      const f = FileDto.parse(await (await fetch(url(`/api/v1/files/${id}`), { headers: bearer(token) })).json());
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    });
    expect(file.status).toBe('indexed');
    const search = await fetch(url('/api/v1/search'), {
      method: 'POST', headers: { ...bearer(token), 'content-type': 'application/json' }, body: JSON.stringify({ query: 'keeper ships', mode: 'hybrid' }),
    });
    expect(search.status).toBe(200);
    const res = await fetch(url('/metrics'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    samples = parsePromText(await res.text());
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('counts requests by route template and status, never by raw URL', () => {
    expect(sampleValue(samples, 'p8fs_http_requests_total', { route: '/api/v1/files', method: 'POST', status: '202' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'p8fs_http_requests_total', { route: '/api/v1/files/{id}', method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(samples, 'p8fs_http_requests_total', { route: '/api/v1/files/{id}', method: 'GET', status: '200' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'p8fs_http_requests_total', { route: 'unmatched', method: 'GET', status: '404' })).toBe(1);
    expect(sampleValue(samples, 'p8fs_http_request_duration_seconds_count', { route: '/api/v1/search', method: 'POST' })).toBe(1);
    const routes = new Set(samples.filter((s) => s.name === 'p8fs_http_requests_total').map((s) => s.labels.route));
    for (const r of routes) expect(r).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}/);
  });

  it('counts jobs by type and outcome, and times parsing, embedding and search', () => {
    expect(sampleValue(samples, 'p8fs_jobs_total', { type: 'file.process', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'p8fs_jobs_total', { type: 'resources.embed', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'p8fs_job_duration_seconds_count', { type: 'file.process', outcome: 'done' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(samples, 'p8fs_parse_duration_seconds_count', { parser: 'markdown', outcome: 'ok' })).toBe(1);
    expect(sampleValue(samples, 'p8fs_embedding_duration_seconds_count', { provider: app.services.embeddings.providerId })).toBeGreaterThanOrEqual(2);
    expect(sampleValue(samples, 'p8fs_search_duration_seconds_count', { mode: 'hybrid' })).toBe(1);
  });

  it('reads the queue, MCP sessions and the process at scrape time', () => {
    for (const tier of ['small', 'medium', 'large']) {
      expect(sampleValue(samples, 'p8fs_queue_depth', { tier })).toBe(0);
      expect(sampleValue(samples, 'p8fs_queue_oldest_job_age_seconds', { tier })).toBe(0);
    }
    expect(sampleValue(samples, 'p8fs_mcp_sessions')).toBe(0);
    expect(sampleValue(samples, 'p8fs_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.every((s) => s.name.startsWith('p8fs_'))).toBe(true);
  });

  it('opens only /metrics: other routes still need a token on loopback', async () => {
    expect((await fetch(url('/api/v1/status'))).status).toBe(401);
  });
});

describe('GET /metrics when the server listens beyond loopback: the owner\'s token only', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  const url = (path: string) => `${server.url}${path}`;

  beforeAll(async () => {
    // The configured host decides; the test socket itself stays on loopback.
    app = await createTestApp({ host: '0.0.0.0' });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await app?.close();
  });

  it('knows loopback from everything else', () => {
    for (const h of ['127.0.0.1', '127.0.0.53', '::1', 'localhost']) expect(isLoopbackHost(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '127.example.com']) expect(isLoopbackHost(h)).toBe(false);
  });

  it('answers 401 without a token, 403 to read-only and third-party tokens, 200 to the owner', async () => {
    expect((await fetch(url('/metrics'))).status).toBe(401);
    const auth = await app.auth(server.url);
    const issue = async (clientId: string, scope: string) => (await auth.server.issueTokens({
      tenantId: app.config.tenantId, deviceId: auth.ownerDeviceId, clientId, scope, resource: auth.server.resources.api,
    })).access_token;
    const readOnly = await issue(CLI_CLIENT_ID, 'openid offline_access vault:read');
    const thirdParty = await issue(await registerClient(url('/oauth/register'), 'Grafana agent'), 'openid offline_access vault:read vault:write');
    for (const token of [readOnly, thirdParty]) {
      const res = await fetch(url('/metrics'), { headers: bearer(token) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('forbidden');
    }
    const owner = await fetch(url('/metrics'), { headers: bearer(await ownerToken(app, server.url)) });
    expect(owner.status).toBe(200);
    expect(sampleValue(parsePromText(await owner.text()), 'p8fs_http_requests_total', { route: '/metrics', status: '403' })).toBe(2);
  });

  it('refuses a first-party sign-in of another tenant: metrics describe the whole server', async () => {
    const stranger = { ...app.owner, tenantId: 'someone-else', scopes: ['vault:read', 'vault:write'], firstParty: true };
    await expect(app.services.metrics.scrape(stranger)).rejects.toMatchObject({ code: 'forbidden' });
  });
});
