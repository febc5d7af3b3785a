import type { Context, MiddlewareHandler } from 'hono';
import type { Actor } from '../../domain/actor.js';
import type { Logger } from '../../ports/logger.js';
import type { HttpEnv } from './route-spec.js';

/** Decides who a request acts as. Auth (issue P3) replaces the default with token verification. */
export type ActorResolver = (c: Context<HttpEnv>) => Actor | Promise<Actor>;

/** The one place a request gets its actor; handlers read it with c.get('actor'). */
export function actorMiddleware(resolve: ActorResolver): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    c.set('actor', await resolve(c));
    await next();
  };
}

/** One log line per request: method, path, status and duration. */
export function requestLog(log: Logger): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const ms = Math.round((performance.now() - started) * 10) / 10;
    log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms }, 'http request');
  };
}
