import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UploadResult } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../test/support.js';
import { type App, VERSION } from '../../app.js';
import { createHttpApp } from './app.js';
import type { HttpEnv } from './route-spec.js';
import { type HttpServer, startHttpServer } from './server.js';

const OVER_LIMIT = Buffer.alloc(1.5 * 1024 * 1024, 'a');
const CHUNK = new Uint8Array(64 * 1024).fill(98);

/** A 100 MB body produced on demand, counting how much the server actually pulled. */
function endlessBody(head = '', tail = ''): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let sent = 0;
  const total = 100 * 1024 * 1024;
  const stream = new ReadableStream<Uint8Array>({
    start: (ctl) => { if (head) ctl.enqueue(new TextEncoder().encode(head)); },
    pull: (ctl) => {
      if (sent >= total) {
        if (tail) ctl.enqueue(new TextEncoder().encode(tail));
        ctl.close();
        return;
      }
      sent += CHUNK.byteLength;
      ctl.enqueue(CHUNK);
    },
  });
  return { stream, pulled: () => sent };
}

/** Every regular file under dir (blobs and temp files alike). */
function filesUnder(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('HTTP upload limits and the real server', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  let server: HttpServer | null = null;
  let dbClosed = false;

  const expectNothingStored = async () => {
    expect(filesUnder(join(app.dataDir, 'blobs'))).toEqual([]);
    expect((await app.services.files.list(app.owner, { limit: 10, offset: 0 })).total).toBe(0);
  };

  beforeAll(async () => {
    app = await createTestApp({ maxUploadMb: 1 });
    http = createHttpApp(app, { actorFor: () => app.owner });
  });
  afterAll(async () => {
    await server?.close();
    if (dbClosed) await app.close().catch(() => {});
    else await app.close();
  });

  it('answers 413 file.too_large for a streamed multipart body over maxUploadMb and keeps nothing', async () => {
    const fd = new FormData();
    fd.append('path', 'big/multipart.bin');
    fd.append('file', new Blob([OVER_LIMIT]), 'big.txt');
    const res = await http.request('/api/v1/files', { method: 'POST', body: fd });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('file.too_large');
    await expectNothingStored();
  });

  it('answers 413 for a raw body over the limit and keeps nothing', async () => {
    const res = await http.request('/api/v1/files/content?path=big/raw.txt', { method: 'PUT', body: OVER_LIMIT });
    expect(res.status).toBe(413);
    await expectNothingStored();
  });

  it('streams: a 100 MB body is refused after reading little more than the limit', async () => {
    const raw = endlessBody();
    const res = await http.request('/api/v1/files/content?path=big/endless.bin', { method: 'PUT', body: raw.stream, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(raw.pulled()).toBeLessThan(3 * 1024 * 1024);

    const head = '--XB\r\nContent-Disposition: form-data; name="file"; filename="endless.bin"\r\nContent-Type: application/octet-stream\r\n\r\n';
    const form = endlessBody(head, '\r\n--XB--\r\n');
    const mp = await http.request('/api/v1/files', {
      method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=XB' }, body: form.stream, duplex: 'half',
    } as RequestInit);
    expect(mp.status).toBe(413);
    expect(form.pulled()).toBeLessThan(3 * 1024 * 1024);
    await expectNothingStored();
  });

  it('serves on an ephemeral port: /health, an upload and the size limit over real sockets', async () => {
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    const port = Number(new URL(server.url).port);
    expect(port).toBeGreaterThan(0);
    const health = await fetch(`${server.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok', version: VERSION });

    const headers = { authorization: `Bearer ${await ownerToken(app, server.url)}` };
    const fd = new FormData();
    fd.append('file', new Blob(['over the wire']), 'wire.txt');
    // Without a token: 401 with the RFC 9728 challenge, nothing stored.
    const anonymous = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: fd });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${server.url}/.well-known/oauth-protected-resource"`);
    const up = await fetch(`${server.url}/api/v1/files`, { method: 'POST', body: fd, headers });
    expect(up.status).toBe(202);
    const { id } = UploadResult.parse(await up.json());
    expect(await (await fetch(`${server.url}/api/v1/files/${id}/content`, { headers })).text()).toBe('over the wire');

    // Content-Length already over the limit: refused before the body is read.
    const big = await fetch(`${server.url}/api/v1/files/content?path=big/socket.txt`, { method: 'PUT', body: OVER_LIMIT, headers });
    expect(big.status).toBe(413);
    expect((await app.services.files.list(app.owner, { limit: 10, offset: 0, q: 'big/' })).total).toBe(0);
  });

  it('refuses to start on a port already in use', async () => {
    const taken = Number(new URL((server as HttpServer).url).port);
    await expect(startHttpServer(app, { host: '127.0.0.1', port: taken })).rejects.toMatchObject({ code: 'EADDRINUSE' });
  });

  it('answers /ready with 503 and an error body once the database is gone', async () => {
    await app.db.close();
    dbClosed = true;
    const res = await http.request('/ready');
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('internal');
    expect((await http.request('/health')).status).toBe(200);
  });
});
