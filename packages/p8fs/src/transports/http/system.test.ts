import { VaultStatus } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import { type App, VERSION } from '../../app.js';
import { ownerActor } from '../../domain/actor.js';
import type { Logger } from '../../ports/logger.js';
import { createHttpApp } from './app.js';
import type { OpenApiDocument } from './openapi.js';
import type { HttpEnv } from './route-spec.js';

/** A logger that keeps what it is told, to check the request log. */
function recordingLogger(lines: Record<string, unknown>[]): Logger {
  const put = (obj: object | string, msg?: string) => lines.push(typeof obj === 'string' ? { msg: obj } : { ...obj, msg });
  const log: Logger = { debug: put, info: put, warn: put, error: put, child: () => log };
  return log;
}

/** The value at a path of keys inside parsed JSON (undefined when any step is missing). */
function dig(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), value);
}

describe('HTTP system routes, OpenAPI and cross-cutting middleware', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;

  beforeAll(async () => {
    app = await createTestApp();
    http = createHttpApp(app, { actorFor: () => app.owner });
  });
  afterAll(() => app.close());

  it('answers the probes', async () => {
    for (const path of ['/health', '/live']) {
      const res = await http.request(path);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ status: 'ok', version: VERSION });
    }
    const ready = await http.request('/ready');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', version: VERSION });
  });

  it('serves the vault status as JSON and as an HTML page', async () => {
    const status = VaultStatus.parse(await (await http.request('/api/v1/status')).json());
    expect(status).toMatchObject({ version: VERSION, tenant_id: 'local', files: { pending: 0, indexed: 0 } });
    const page = await http.request('/');
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await page.text();
    expect(text).toContain(VERSION);
    for (const link of ['/openapi.json', '/docs', '/health']) expect(text).toContain(`href="${link}"`);
    expect(text).toContain(`<code>${status.embedder.id}</code>`);
  });

  it('describes every registered route in /openapi.json, and nothing else', async () => {
    const doc = (await (await http.request('/openapi.json')).json()) as OpenApiDocument;
    expect(doc.openapi).toBe('3.1.0');
    const registered = new Set(http.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const documented = new Set(Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)));
    expect(registered.size).toBeGreaterThanOrEqual(16);
    expect([...documented].sort()).toEqual([...registered].sort());
  });

  it('gives each operation its parameters, bodies and an ErrorBody for errors', async () => {
    const doc = (await (await http.request('/openapi.json')).json()) as OpenApiDocument;
    const op = (method: string, path: string, ...rest: string[]) => dig(doc.paths, path, method, ...rest);
    const errorRef = { $ref: '#/components/schemas/ErrorBody' };
    const json500 = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => dig(o, 'responses', '500', 'content', 'application/json', 'schema')));
    expect(json500.length).toBeGreaterThanOrEqual(16);
    for (const schema of json500) expect(schema).toEqual(errorRef);
    expect(op('post', '/api/v1/search', 'requestBody', 'content', 'application/json', 'schema')).toEqual({ $ref: '#/components/schemas/SearchRequest' });
    expect(op('post', '/api/v1/search', 'responses', '400', 'content', 'application/json', 'schema')).toEqual(errorRef);
    expect(dig(doc.components.schemas, 'SearchRequest', 'properties', 'group')).toMatchObject({ enum: ['file', 'chunk'], default: 'chunk' });
    expect(op('get', '/api/v1/files/{id}', 'parameters')).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(op('get', '/api/v1/files/{id}', 'responses', '404', 'content', 'application/json', 'schema')).toEqual(errorRef);
    expect((op('get', '/api/v1/files', 'parameters') as { name: string }[]).map((p) => p.name)).toEqual(['limit', 'offset', 'status', 'q', 'mime_type', 'parent_id', 'uri']);
    expect(op('post', '/api/v1/files', 'requestBody', 'content', 'multipart/form-data', 'schema', 'required')).toEqual(['file']);
    expect(op('post', '/api/v1/files', 'responses', '413', 'content', 'application/json', 'schema')).toEqual(errorRef);
    expect(op('put', '/api/v1/files/content', 'parameters')).toEqual([expect.objectContaining({ name: 'path', in: 'query' }), expect.objectContaining({ name: 'name', in: 'query' })]);
    expect(dig(doc.components.schemas, 'UploadResult', 'properties', 'file')).toEqual({ $ref: '#/components/schemas/FileDto' });
    // Requests are described as clients send them: fields with defaults are optional.
    expect(doc.components.schemas.SearchRequest?.required).toEqual(['query']);
  });

  it('renders /docs from the OpenAPI document', async () => {
    const res = await http.request('/docs');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await res.text();
    for (const path of ['/api/v1/search', '/api/v1/files/{id}/content', '/api/v1/resources/{id}']) expect(text).toContain(`<code>${path}</code>`);
    expect(text).not.toMatch(/<script/i);
  });

  it('logs one line per request with method, path, status and duration', async () => {
    const lines: Record<string, unknown>[] = [];
    const logged = createHttpApp({ ...app, log: recordingLogger(lines) }, { actorFor: () => app.owner });
    await logged.request('/health');
    await logged.request('/api/v1/files/nope');
    const requests = lines.filter((l) => l.msg === 'http request');
    expect(requests).toEqual([
      { msg: 'http request', method: 'GET', path: '/health', status: 200, ms: expect.any(Number) },
      { msg: 'http request', method: 'GET', path: '/api/v1/files/nope', status: 404, ms: expect.any(Number) },
    ]);
  });

  it('resolves the actor in one middleware: another tenant sees none of the owner files', async () => {
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('guest', 'guest') ON CONFLICT DO NOTHING`);
    const fd = new FormData();
    fd.append('file', new Blob(['owner only']), 'owner.txt');
    const up = (await (await http.request('/api/v1/files', { method: 'POST', body: fd })).json()) as { id: string };
    const guest = createHttpApp(app, { actorFor: () => ownerActor('guest') });
    expect((await guest.request(`/api/v1/files/${up.id}`)).status).toBe(404);
    expect(((await (await guest.request('/api/v1/files')).json()) as { total: number }).total).toBe(0);
    expect((await http.request(`/api/v1/files/${up.id}`)).status).toBe(200);
    // Public routes never ask for an actor, so probes keep working whatever auth decides.
    const refusing = createHttpApp(app, { actorFor: () => { throw new Error('no actor for probes'); } });
    expect((await refusing.request('/health')).status).toBe(200);
  });

  it('answers an unexpected error with a generic 500 that leaks nothing', async () => {
    const lines: Record<string, unknown>[] = [];
    const broken = createHttpApp({ ...app, log: recordingLogger(lines) }, {
      actorFor: () => { throw new Error('secret detail at /srv/p8fs/db'); },
    });
    const res = await broken.request('/api/v1/status');
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal server error' } });
    expect(text).not.toContain('secret');
    expect(lines.some((l) => l.msg === 'unhandled error' && String(l.err).includes('secret'))).toBe(true);
  });
});
