import { request as httpRequest } from 'node:http';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../test/support.js';
import type { App } from '../../app.js';
import { createHttpApp } from './app.js';
import type { HttpEnv } from './route-spec.js';
import { type HttpServer, startHttpServer } from './server.js';

// The default cap on JSON bodies (middleware.ts).
const DEFAULT_JSON_BODY_BYTES = 64 * 1024;
const CHUNK = new Uint8Array(64 * 1024).fill(32);

/** A chunked body (no Content-Length) of up to `total` bytes, counting how much the server pulled. */
function streamedBody(total: number, head = ''): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const stream = new ReadableStream<Uint8Array>({
    start: (ctl) => { if (head) ctl.enqueue(new TextEncoder().encode(head)); },
    pull: (ctl) => {
      if (sent >= total) return ctl.close();
      sent += CHUNK.byteLength;
      ctl.enqueue(CHUNK);
    },
  });
  return { stream, pulled: () => sent };
}

type Answer = { status: number; body: string; sentBeforeAnswer: number };

/**
 * POST a chunked body over a real socket, writing until the server answers or `total` bytes are
 * out: an answer before the end proves the server refused without reading the body whole.
 */
function postChunked(url: string, contentType: string, total: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = httpRequest(url, { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } }, (res) => {
      answered = true;
      const at = sent;
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sentBeforeAnswer: at });
        req.destroy();
      });
    });
    // The server closes the socket after answering; writes that race it may fail.
    req.on('error', (err) => { if (!answered) reject(err); });
    const pump = (): void => {
      while (!answered && sent < total) {
        sent += CHUNK.byteLength;
        if (!req.write(CHUNK)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe('JSON body limits', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  let server: HttpServer;
  let token: string;

  beforeAll(async () => {
    app = await createTestApp({ maxUploadMb: 1 });
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    token = await ownerToken(app, server.url);
    http = createHttpApp(app, { auth: { services: await app.auth(server.url), ownerSecret: null } });
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('refuses a register body declared over the cap with 413 and the JSON error body', async () => {
    const body = JSON.stringify({ email: 'a@example.com', pad: 'x'.repeat(DEFAULT_JSON_BODY_BYTES) });
    const res = await fetch(`${server.url}/api/v1/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'request.too_large' } });
  });

  it('stops reading a chunked register body without Content-Length soon after the cap', async () => {
    const body = streamedBody(32 * 1024 * 1024, '{"email":"');
    const res = await http.request('/api/v1/auth/register', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: body.stream, duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'request.too_large' } });
    expect(body.pulled()).toBeLessThan(1024 * 1024);
  });

  it('answers a chunked over-cap body on a real socket before the client has sent it all', async () => {
    const total = 64 * 1024 * 1024;
    const res = await postChunked(`${server.url}/api/v1/auth/register`, 'application/json', total);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ error: { code: 'request.too_large' } });
    expect(res.sentBeforeAnswer).toBeLessThan(total);
  });

  it('caps authenticated JSON routes too, and lets bodies under the cap through', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const over = await fetch(`${server.url}/api/v1/search`, { method: 'POST', headers, body: JSON.stringify({ query: 'x'.repeat(DEFAULT_JSON_BODY_BYTES) }) });
    expect(over.status).toBe(413);
    // Under the cap the body reaches the contract (which has its own bounds) and the service.
    const ok = await fetch(`${server.url}/api/v1/search`, { method: 'POST', headers, body: JSON.stringify({ query: 'hello', pad: ' '.repeat(60_000) }) });
    expect(ok.status).toBe(200);
  });

  it('gives routes that need more room their own cap (a 150 kB moment is stored)', async () => {
    const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const content = 'long notes '.repeat(15_000);
    const res = await fetch(`${server.url}/api/v1/entity/moments`, { method: 'POST', headers, body: JSON.stringify({ name: 'big meeting', content }) });
    expect(res.status).toBe(200);
  });

  it('leaves the streamed upload routes to their own limit (maxUploadMb)', async () => {
    const headers = { authorization: `Bearer ${token}` };
    const bytes = new Uint8Array(512 * 1024).fill(97);
    const fd = new FormData();
    fd.append('file', new Blob([bytes]), 'half-a-megabyte.txt');
    expect((await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: fd, headers })).status).toBe(202);
    const raw = await fetch(`${server.url}/api/v1/files/content?path=raw/half.txt`, { method: 'PUT', body: bytes.fill(98), headers });
    expect(raw.status).toBe(202);
  });

  it('refuses an OAuth form body declared over the cap before oidc-provider reads it', async () => {
    const body = `grant_type=refresh_token&refresh_token=${'x'.repeat(DEFAULT_JSON_BODY_BYTES)}`;
    const res = await fetch(`${server.url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'request.too_large' } });
  });

  it('refuses a chunked OAuth body without reading it whole', async () => {
    const total = 64 * 1024 * 1024;
    const res = await postChunked(`${server.url}/oauth/token`, 'application/x-www-form-urlencoded', total);
    expect([400, 413]).toContain(res.status);
    expect(res.sentBeforeAnswer).toBeLessThan(total);
  });
});
