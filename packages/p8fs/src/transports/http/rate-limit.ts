import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MiddlewareHandler } from 'hono';
import { errorBody } from './errors.js';
import type { HttpEnv, HttpMethod } from './route-spec.js';

/** A window's verdict: go ahead, or wait this many seconds. */
export type RateVerdict = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiterOptions {
  /** Requests allowed per key in one window. */
  limit: number;
  windowMs: number;
  /** Keys remembered at most; the oldest windows go first, so memory stays bounded under a flood of addresses. */
  maxKeys?: number;
  now?: () => number;
}

/**
 * Fixed-window counters per key. A Map keeps insertion order, and a key is re-inserted when its
 * window starts, so the first entries are always the oldest windows: expired ones are dropped from
 * the front, and when full the oldest is evicted (it loses at most its remaining count).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Whether key is over its limit now, without counting a request. */
  check(key: string): RateVerdict {
    const now = this.now();
    const w = this.windows.get(key);
    if (!w || now - w.start >= this.opts.windowMs || w.count < this.opts.limit) return { ok: true };
    return { ok: false, retryAfterSeconds: this.retryAfter(w.start, now) };
  }

  /** Count one request for key. */
  take(key: string): RateVerdict {
    const now = this.now();
    this.sweep(now);
    let w = this.windows.get(key);
    if (!w || now - w.start >= this.opts.windowMs) {
      this.windows.delete(key);
      while (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value as string);
      w = { start: now, count: 0 };
      this.windows.set(key, w);
    }
    if (w.count >= this.opts.limit) {
      return { ok: false, retryAfterSeconds: this.retryAfter(w.start, now) };
    }
    w.count++;
    return { ok: true };
  }

  /** Keys currently remembered (tests check the bound). */
  get size(): number {
    return this.windows.size;
  }

  private retryAfter(start: number, now: number): number {
    return Math.max(1, Math.ceil((start + this.opts.windowMs - now) / 1000));
  }

  private sweep(now: number): void {
    for (const [key, w] of this.windows) {
      if (now - w.start < this.opts.windowMs) break;
      this.windows.delete(key);
    }
  }
}

// Per client IP and minute. Sign-in endpoints are called a handful of times per person; the token
// endpoint more (RFC 8628 polling every 5 s is 12 a minute per waiting device, plus refreshes), so it
// gets more room. Constants, not config: they bound abuse, they are not a tuning knob.
const WINDOW_MS = 60_000;
export const AUTH_RATE_LIMITS = {
  register: 20,
  'local-token': 20,
  approvals: 20,
  // Looking up a request by its user code: a person types one code, maybe twice (failures only).
  'approval-lookup': 20,
  'oauth-token': 60,
  'oauth-device': 20,
  'oauth-register': 20,
} as const;
export type RateGroup = keyof typeof AUTH_RATE_LIMITS;

/**
 * Groups that count refusals only. The local CLI asks for an owner token on every command, so
 * counting every call would throttle a script looping over `p8fs add`; the secret is long enough
 * that only guessing needs a brake.
 */
const FAILURES_ONLY: ReadonlySet<RateGroup> = new Set(['local-token', 'approval-lookup']);

/**
 * Wrong user codes one tenant may try in an hour, from all its devices and addresses together (the
 * per-address limit alone would not hold an account using many addresses). A user code has 20^8
 * (about 2.6e10) values, so 1,440 guesses a day find a given pending code with odds of about 1 in
 * 18 million; each further account needs a mailbox of its own. A person mistyping is never near it.
 */
export const APPROVAL_GUESSES_PER_TENANT = 60;
const HOUR_MS = 3_600_000;

/** The Hono routes that are limited, by `METHOD path` (OpenAPI path syntax, as in RouteSpec). */
const API_GROUPS: Record<string, RateGroup> = {
  'post /api/v1/auth/register': 'register',
  'post /api/v1/auth/register/verify': 'register',
  'post /api/v1/auth/local-token': 'local-token',
  'post /api/v1/approvals': 'approvals',
  'get /api/v1/approvals/{code}': 'approval-lookup',
};

/** The routes where a wrong user code (404) counts against the caller's tenant. */
const CODE_GUESS_ROUTES: ReadonlySet<string> = new Set(['get /api/v1/approvals/{code}', 'post /api/v1/approvals']);

/** The oidc-provider endpoints that are limited (POST only: they are the ones that do work). */
const OAUTH_GROUPS: Record<string, RateGroup> = {
  '/oauth/token': 'oauth-token',
  '/oauth/device/auth': 'oauth-device',
  '/oauth/register': 'oauth-register',
};

/** One limiter per group, for one server; keys are client addresses. */
export class AuthRateLimits {
  private readonly limiters = new Map<RateGroup, RateLimiter>();
  private readonly guessesPerTenant: RateLimiter;

  constructor(now?: () => number) {
    for (const [group, limit] of Object.entries(AUTH_RATE_LIMITS) as [RateGroup, number][]) {
      this.limiters.set(group, new RateLimiter(now ? { limit, windowMs: WINDOW_MS, now } : { limit, windowMs: WINDOW_MS }));
    }
    const perTenant = { limit: APPROVAL_GUESSES_PER_TENANT, windowMs: HOUR_MS };
    this.guessesPerTenant = new RateLimiter(now ? { ...perTenant, now } : perTenant);
  }

  take(group: RateGroup, clientIp: string): RateVerdict {
    return this.limiter(group).take(clientIp);
  }

  private limiter(group: RateGroup): RateLimiter {
    return this.limiters.get(group) as RateLimiter;
  }

  /** Middleware for a Hono route if it is one of the limited auth routes, else null. */
  middlewareFor(method: HttpMethod, path: string): MiddlewareHandler<HttpEnv> | null {
    const group = API_GROUPS[`${method} ${path}`];
    if (!group) return null;
    const failuresOnly = FAILURES_ONLY.has(group);
    return async (c, next) => {
      const ip = clientIpOf(c.env);
      const verdict = failuresOnly ? this.limiter(group).check(ip) : this.take(group, ip);
      if (!verdict.ok) return c.json(tooMany(verdict.retryAfterSeconds), 429, { 'Retry-After': String(verdict.retryAfterSeconds) });
      await next();
      // Hono has turned a thrown error into c.res by now.
      if (failuresOnly && c.res.status >= 400) this.take(group, ip);
    };
  }

  /**
   * Middleware, after the actor is known, for the routes that take a user code: 429 once the
   * actor's tenant has tried too many wrong codes this hour (however many addresses it uses), else null.
   */
  tenantMiddlewareFor(method: HttpMethod, path: string): MiddlewareHandler<HttpEnv> | null {
    if (!CODE_GUESS_ROUTES.has(`${method} ${path}`)) return null;
    return async (c, next) => {
      const tenant = c.get('actor').tenantId;
      const verdict = this.guessesPerTenant.check(tenant);
      if (!verdict.ok) return c.json(tooMany(verdict.retryAfterSeconds), 429, { 'Retry-After': String(verdict.retryAfterSeconds) });
      await next();
      if (c.res.status === 404) this.guessesPerTenant.take(tenant);
    };
  }

  /**
   * For the node:http dispatcher in front of oidc-provider: answers 429 and returns true when the
   * request is over its limit; false lets it through.
   */
  refuseOAuth(req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
    const group = req.method === 'POST' ? OAUTH_GROUPS[pathname] : undefined;
    if (!group) return false;
    const verdict = this.take(group, req.socket.remoteAddress ?? 'unknown');
    if (verdict.ok) return false;
    res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(verdict.retryAfterSeconds) });
    res.end(JSON.stringify(tooMany(verdict.retryAfterSeconds)));
    return true;
  }
}

type NodeBindings = { incoming?: IncomingMessage };

/**
 * The client address of a request: the socket's, not X-Forwarded-For (a header any client can set
 * would let it pick a fresh key per request). Behind a reverse proxy every client shares the
 * proxy's budget (see limitations). hono.request() in tests has no socket: those requests share the
 * key 'unknown'.
 */
export function clientIpOf(env: unknown): string {
  return (env as NodeBindings | undefined)?.incoming?.socket.remoteAddress ?? 'unknown';
}

function tooMany(retryAfterSeconds: number) {
  return errorBody('rate_limited', `too many requests; try again in ${retryAfterSeconds} s`);
}
