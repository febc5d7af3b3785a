// The HTTP transport's public surface: the CLI's `serve` and the e2e tests import from here.
export { createHttpApp, type HttpAppOptions } from './app.js';
export type { ActorResolver } from './middleware.js';
export { buildOpenApi, type OpenApiDocument } from './openapi.js';
export { type HttpServer, startHttpServer } from './server.js';
