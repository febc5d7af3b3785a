import { isIP } from 'node:net';
import type { App } from '../../../app.js';
import type { RouteSpec } from '../route-spec.js';

/**
 * Whether the server listens on loopback only (the embedded default, 127.0.0.1): then only
 * processes on this machine can connect, and /metrics needs no token so a local Prometheus or
 * `curl` can read it. Other local users can too: the series carry counts, latencies and route
 * templates, never a tenant id, a name or content (decision 0020). A wildcard (0.0.0.0, ::) or any
 * other address is not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  return isIP(host) === 4 && host.startsWith('127.');
}

/**
 * GET /metrics in the Prometheus text format (decision 0020). Open on a loopback listener; on any
 * other address it is an ordinary protected route and the owner's first-party token is required.
 */
export function metricsRoutes(app: App): RouteSpec[] {
  const open = isLoopbackHost(app.config.host);
  return [{
    method: 'get', path: '/metrics', operationId: 'metrics', tag: 'system',
    summary: 'Prometheus metrics (open on loopback, else the owner\'s token)', public: open,
    responses: { 200: { description: 'the text exposition format', body: { contentType: 'text/plain', schema: { jsonSchema: { type: 'string' } } } } },
    errors: [401, 403],
    handler: async (c) => {
      const { contentType, body } = await app.services.metrics.scrape(open ? app.owner : c.get('actor'));
      return c.body(body, 200, { 'content-type': contentType });
    },
  }];
}
