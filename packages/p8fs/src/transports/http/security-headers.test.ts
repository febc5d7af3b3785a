import { createHash } from 'node:crypto';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { createHttpApp } from './app.js';
import type { HttpEnv } from './route-spec.js';

describe('security headers on every answer of the HTTP app', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  beforeAll(async () => {
    app = await createTestApp();
    http = createHttpApp(app, { actorFor: () => app.owner });
  });
  afterAll(() => app.close());

  it('sends a strict CSP, no framing and nosniff with the HTML pages, and their style still applies', async () => {
    for (const path of ['/', '/docs']) {
      const res = await http.request(path);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-inline');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      // The one inline <style> is allowed by its hash, so the page keeps its look under the CSP.
      const style = /<style>([\s\S]*?)<\/style>/.exec(await res.text())?.[1] ?? '';
      expect(style).not.toBe('');
      expect(csp).toContain(`'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    }
  });

  it('sends nosniff with JSON answers, errors and unknown paths too', async () => {
    for (const [path, status] of [['/health', 200], ['/api/v1/files/not-a-uuid', 404], ['/no/such/route', 404]] as const) {
      const res = await http.request(path);
      expect(res.status).toBe(status);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    }
  });
});
