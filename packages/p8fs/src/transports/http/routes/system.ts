import { VaultStatus } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { VERSION } from '../../../version.js';
import { errorMessage } from '../../../domain/errors.js';
import { errorBody } from '../errors.js';
import type { OpenApiDocument } from '../openapi.js';
import { docsPage, statusPage } from '../pages.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';
import { Health, Ready } from '../schemas.js';

const HTML = { contentType: 'text/html', schema: { jsonSchema: { type: 'string' } } };

/** Probes, the status page, vault status and the API description. `openapi` builds the document on first use. */
export function systemRoutes(app: App, openapi: () => OpenApiDocument): RouteSpec[] {
  const { status } = app.services;
  const health = (c: Ctx) => c.json({ status: 'ok' as const, version: VERSION });
  const ready = async (c: Ctx) => {
    try {
      if (await status.ready()) return c.json({ status: 'ready' as const, version: VERSION });
      return c.json(errorBody('internal', 'database is not ready'), 503);
    } catch (err) {
      app.log.warn({ err: errorMessage(err) }, 'readiness check failed');
      return c.json(errorBody('internal', 'database is not answering'), 503);
    }
  };
  const page = async (c: Ctx) => c.html(statusPage(await status.status(c.get('actor'))));
  const vault = async (c: Ctx) => c.json(await status.status(c.get('actor')));

  return [
    { method: 'get', path: '/', operationId: 'statusPage', tag: 'system', summary: 'Status page (HTML)', responses: { 200: { description: 'the page', body: HTML } }, handler: page },
    { method: 'get', path: '/health', operationId: 'health', tag: 'system', summary: 'Health: the process answers', public: true, responses: { 200: { description: 'ok', body: json(Health) } }, handler: health },
    { method: 'get', path: '/live', operationId: 'live', tag: 'system', summary: 'Liveness probe (same as /health)', public: true, responses: { 200: { description: 'ok', body: json(Health) } }, handler: health },
    {
      method: 'get', path: '/ready', operationId: 'ready', tag: 'system', summary: 'Readiness probe: the database answers', public: true,
      responses: { 200: { description: 'ready', body: json(Ready) } }, errors: [503], handler: ready,
    },
    { method: 'get', path: '/api/v1/status', operationId: 'vaultStatus', tag: 'system', summary: 'Vault status: counts of files, resources, embeddings, jobs', responses: { 200: { description: 'status', body: json(VaultStatus) } }, handler: vault },
    {
      method: 'get', path: '/openapi.json', operationId: 'openapi', tag: 'system', summary: 'This API as OpenAPI 3.1', public: true,
      responses: { 200: { description: 'the document', body: { contentType: 'application/json', schema: { jsonSchema: { type: 'object' } } } } },
      handler: (c) => c.json(openapi()),
    },
    { method: 'get', path: '/docs', operationId: 'docs', tag: 'system', summary: 'API reference (HTML)', public: true, responses: { 200: { description: 'the page', body: HTML } }, handler: (c) => c.html(docsPage(openapi())) },
  ];
}
