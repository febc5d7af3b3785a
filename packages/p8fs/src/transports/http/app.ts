import { Hono } from 'hono';
import type { App, AuthServices } from '../../app.js';
import { bearerActor } from './auth.js';
import { errorHandler, notFoundHandler } from './errors.js';
import { type ActorResolver, actorMiddleware, bodyCapOf, httpMetrics, httpTracing, jsonBodyLimit, requestLog, routeTemplate, securityHeaders } from './middleware.js';
import { AuthRateLimits } from './rate-limit.js';
import { honoPath, type HttpEnv } from './route-spec.js';
import { buildRoutes } from './routes/index.js';

export interface HttpAppOptions {
  /** Who each request acts as. Route tests pass one; servers use the bearer tokens of `auth`. */
  actorFor?: ActorResolver;
  /** Bearer-token actors, and the sign-in, device and approval routes. */
  auth?: { services: AuthServices; ownerSecret: string | null };
}

/** The HTTP API as a Hono app over the given services (no socket: use startHttpServer or hono.request). */
export function createHttpApp(app: App, opts: HttpAppOptions = {}): Hono<HttpEnv> {
  const hono = new Hono<HttpEnv>();
  const resolver = opts.actorFor ?? (opts.auth ? bearerActor(opts.auth.services.server, {
    accessTokens: app.services.accessTokens,
    devOwner: app.config.dev ? app.owner : undefined,
  }) : null);
  // No silent default: without auth a caller must say who requests act as.
  if (resolver === null) throw new Error('createHttpApp needs auth or an explicit actorFor');
  const withActor = actorMiddleware(resolver);
  hono.use('*', httpTracing(app.tracing));
  hono.use('*', httpMetrics(app.metrics));
  hono.use('*', requestLog(app.log));
  hono.use('*', securityHeaders());
  // Sign-in and approval routes are limited per client address, before any token or signature work.
  const limits = opts.auth ? new AuthRateLimits() : null;
  for (const route of buildRoutes(app, opts.auth)) {
    const path = honoPath(route.path);
    const method = route.method.toUpperCase();
    hono.on(method, path, routeTemplate(route.path));
    const limit = limits?.middlewareFor(route.method, route.path);
    if (limit) hono.on(method, path, limit);
    // Before the actor too: an anonymous caller never gets more than the cap read.
    const cap = bodyCapOf(route);
    if (cap !== null) hono.on(method, path, jsonBodyLimit(cap));
    const perTenant = limits?.tenantMiddlewareFor(route.method, route.path);
    if (route.public) hono.on(method, path, route.handler);
    else if (perTenant) hono.on(method, path, withActor, perTenant, route.handler);
    else hono.on(method, path, withActor, route.handler);
  }
  hono.onError(errorHandler(app.log));
  hono.notFound(notFoundHandler);
  return hono;
}
