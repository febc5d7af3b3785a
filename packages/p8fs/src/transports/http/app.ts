import { Hono } from 'hono';
import type { App } from '../../app.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { type ActorResolver, actorMiddleware, requestLog } from './middleware.js';
import { honoPath, type HttpEnv } from './route-spec.js';
import { buildRoutes } from './routes/index.js';

export interface HttpAppOptions {
  /** Who each request acts as; defaults to the vault owner until auth (issue P3) lands. */
  actorFor?: ActorResolver;
}

/** The HTTP API as a Hono app over the given services (no socket: use startHttpServer or hono.request). */
export function createHttpApp(app: App, opts: HttpAppOptions = {}): Hono<HttpEnv> {
  const hono = new Hono<HttpEnv>();
  const withActor = actorMiddleware(opts.actorFor ?? (() => app.owner));
  hono.use('*', requestLog(app.log));
  for (const route of buildRoutes(app)) {
    const path = honoPath(route.path);
    if (route.public) hono.on(route.method.toUpperCase(), path, route.handler);
    else hono.on(route.method.toUpperCase(), path, withActor, route.handler);
  }
  hono.onError(errorHandler(app.log));
  hono.notFound(notFoundHandler);
  return hono;
}
