import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import type { Metrics } from '../../ports/metrics.js';
import type { Tracing } from '../../ports/tracing.js';
import { PAGE_STYLE_SOURCE } from './pages.js';
import type { HttpEnv, RouteSpec } from './route-spec.js';

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

/**
 * Count and time every request by its route's path template (set by routeTemplate), never the raw
 * URL, so the series stay as few as the routes; anything no route matched is "unmatched".
 */
export function httpMetrics(metrics: Metrics): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    const started = performance.now();
    await next();
    const route = (c.get('route') as string | undefined) ?? 'unmatched';
    metrics.httpRequest(route, c.req.method, c.res.status, (performance.now() - started) / 1000);
  };
}

/**
 * A server span per request (decision 0024), continuing the caller's `traceparent` when it sends one,
 * named like the metrics by method and route template once routing has set it.
 */
export function httpTracing(tracing: Tracing | undefined): MiddlewareHandler<HttpEnv> {
  if (!tracing?.enabled) return (_c, next) => next();
  return (c, next) => {
    const traceparent = c.req.header('traceparent');
    const tracestate = c.req.header('tracestate');
    const parent = traceparent ? { traceparent, ...(tracestate ? { tracestate } : {}) } : undefined;
    return tracing.span(c.req.method, async (span) => {
      await next();
      const route = (c.get('route') as string | undefined) ?? 'unmatched';
      span.updateName(`${c.req.method} ${route}`);
      span.setAttributes({ 'http.request.method': c.req.method, 'http.route': route, 'http.response.status_code': c.res.status });
      if (c.res.status >= 500) span.fail(`HTTP ${c.res.status}`);
    }, { kind: 'server', parent });
  };
}

/** Name the matched route for httpMetrics: the first handler of every route. */
export function routeTemplate(path: string): MiddlewareHandler<HttpEnv> {
  return async (c, next) => {
    c.set('route', path);
    await next();
  };
}

/**
 * JSON bodies are small: 64 KiB holds any sign-in, search or REM request. A route that needs more
 * (a moment's notes, a list of ids) says so with maxBodyBytes.
 */
export const DEFAULT_JSON_BODY_BYTES = 64 * 1024;

/**
 * The body cap of a route, or null for the streamed uploads (multipart, raw bytes), which read
 * their body as it arrives and enforce maxUploadMb themselves.
 */
export function bodyCapOf(route: Pick<RouteSpec, 'body' | 'maxBodyBytes'>): number | null {
  if (route.body && route.body.contentType !== 'application/json') return null;
  return route.maxBodyBytes ?? DEFAULT_JSON_BODY_BYTES;
}

/**
 * Refuse a body over maxBytes with 413 before the handler reads it. Hono's bodyLimit trusts a
 * Content-Length (node:http never delivers more than it declares) and otherwise counts a chunked
 * body as it reads, stopping at the first byte over; @hono/node-server then drains or closes what
 * the client still sends.
 */
export function jsonBodyLimit(maxBytes: number): MiddlewareHandler<HttpEnv> {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError('request.too_large', `the request body is over ${maxBytes} bytes`);
    },
  });
}

/**
 * Security headers on every answer (pages, JSON, errors). The pages are server-rendered with no
 * script, so the CSP allows only their hashed inline style and same-origin images; no page may be
 * framed. A handler's own header wins (downloads set theirs). HSTS is left to whoever terminates
 * TLS: the server itself speaks plain HTTP, usually on loopback.
 */
export function securityHeaders(): MiddlewareHandler<HttpEnv> {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'none'"],
      styleSrc: [PAGE_STYLE_SOURCE],
      imgSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
    xFrameOptions: 'DENY',
    strictTransportSecurity: false,
    overwrite: false,
  });
}
