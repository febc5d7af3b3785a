import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { createHttpApp } from './app.js';
import type { HttpEnv } from './route-spec.js';

describe('multipart uploads', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  beforeAll(async () => {
    app = await createTestApp();
    http = createHttpApp(app, { actorFor: () => app.owner });
  });
  afterAll(() => app.close());

  it('reads the file name as UTF-8, as browsers and fetch send it', async () => {
    const name = 'café 日本.md';
    const fd = new FormData();
    fd.append('file', new Blob(['# Notes\n']), name);
    const res = await http.request('/api/v1/files', { method: 'POST', body: fd });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    const file = await app.services.files.get(app.owner, id);
    expect(file.name).toBe(name);
    expect(file.uri).toBe(name);
  });
});
