import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oauth from 'oauth4webapi';
import { createTestDb } from '../../../test/db.js';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { migrate } from '../db/migrate.js';
import { PostgresDb } from '../db/postgres.js';
import type { Db } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import { type AuthorizationServerOptions, createAuthorizationServer, type OAuthServer } from './authorization-server.js';

export const silentLog: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => silentLog,
};

export interface OAuthHarness {
  db: Db;
  http: Server;
  auth: OAuthServer;
  issuer: string;
  tenantId: string;
  /** Start the authorization server again on the same database and URL (key rotation). */
  restart(): Promise<OAuthServer>;
  /** Protected resource metadata (RFC 9728) the MCP SDK reads; the real server serves its own. */
  close(): Promise<void>;
}

/**
 * A real node:http server on 127.0.0.1 whose OAuth paths go to the authorization server, over a
 * migrated PGlite (or the database given, already migrated with tenants t1 and t2). It also serves
 * a minimal RFC 9728 document for the MCP resource.
 */
export async function startOAuth(extra: Partial<AuthorizationServerOptions> = {}, database?: Db): Promise<OAuthHarness> {
  const db = database ?? (await createTestDb(['t1', 't2']));
  let auth: OAuthServer | undefined;
  const http = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/.well-known/oauth-protected-resource/api/mcp' && auth) {
      res.setHeader('Content-Type', 'application/json');
      res.end(
        JSON.stringify({
          resource: auth.resources.mcp,
          authorization_servers: [auth.issuer],
          scopes_supported: ['vault:read', 'vault:write'],
          bearer_methods_supported: ['header'],
        }),
      );
      return;
    }
    if (auth?.handles(path)) return auth.handle(req, res);
    res.statusCode = 404;
    res.end();
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const options: AuthorizationServerOptions = {
    db,
    issuer,
    accessTokenTtlSeconds: 3600,
    refreshTokenTtlDays: 30,
    log: silentLog,
    devicePollIntervalSeconds: 1,
    ...extra,
  };
  auth = await createAuthorizationServer(options);
  return {
    db,
    http,
    get auth() {
      return auth as OAuthServer;
    },
    issuer,
    tenantId: 't1',
    async restart() {
      await auth?.close();
      auth = await createAuthorizationServer(options);
      return auth;
    },
    async close() {
      await auth?.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await db.close();
    },
  };
}

/** A device row (the account tokens are issued to). */
export async function addDevice(db: Db, tenantId: string, kind = 'mcp'): Promise<string> {
  const id = randomUUID();
  await db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, $3, $4)`, [id, tenantId, `${kind} device`, kind]);
  return id;
}

/**
 * What the lead's ApprovalService does when a person approves a code: it decides the approvals
 * row, creates the device, then calls settle.
 */
export async function approve(h: OAuthHarness, userCode: string, tenantId = h.tenantId): Promise<string> {
  const [row] = await h.db.query<{
    kind: 'device_code' | 'interaction';
    client_id: string | null;
    client_name: string | null;
    scope: string | null;
    expires_at: Date;
  }>(`SELECT kind, client_id, client_name, scope, expires_at FROM approvals WHERE user_code = $1 AND status = 'pending'`, [userCode]);
  if (!row) throw new Error(`no pending approval ${userCode}`);
  const deviceId = await addDevice(h.db, tenantId);
  await h.db.query(
    `UPDATE approvals SET status = 'approved', tenant_id = $2, device_id = $3, decided_at = now() WHERE user_code = $1`,
    [userCode, tenantId, deviceId],
  );
  await h.auth.settle(
    { userCode, kind: row.kind, clientId: row.client_id, clientName: row.client_name, scope: row.scope, expiresAt: row.expires_at },
    { approve: true, tenantId, deviceId },
  );
  return deviceId;
}

export async function deny(h: OAuthHarness, userCode: string): Promise<void> {
  const [row] = await h.db.query<{ kind: 'device_code' | 'interaction'; scope: string | null; expires_at: Date }>(
    `SELECT kind, scope, expires_at FROM approvals WHERE user_code = $1`,
    [userCode],
  );
  if (!row) throw new Error(`no approval ${userCode}`);
  await h.db.query(`UPDATE approvals SET status = 'denied', decided_at = now() WHERE user_code = $1`, [userCode]);
  await h.auth.settle(
    { userCode, kind: row.kind, clientId: null, clientName: null, scope: row.scope, expiresAt: row.expires_at },
    { approve: false },
  );
}

/** fetch with a cookie jar and manual redirects, like a browser driven step by step. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  async get(url: string): Promise<Response> {
    return this.keep(await fetch(url, { redirect: 'manual', headers: { cookie: this.cookieHeader() } }));
  }

  /** Submit a form as a browser does (urlencoded, cookies, no redirect followed). */
  async post(url: string, form: Record<string, string>): Promise<Response> {
    const headers = { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' };
    return this.keep(await fetch(url, { method: 'POST', redirect: 'manual', headers, body: new URLSearchParams(form).toString() }));
  }

  private keep(res: Response): Response {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = (pair as string).indexOf('=');
      const name = (pair as string).slice(0, eq);
      const value = (pair as string).slice(eq + 1);
      // Expired cookies (cleared by the provider) leave the jar.
      if (/expires=Thu, 01 Jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /** Follow redirects until one leaves the server (the client's redirect_uri) or a page answers. */
  async follow(url: string, stopAt: (u: URL) => boolean): Promise<{ url: URL; res?: Response }> {
    let next = new URL(url);
    for (let i = 0; i < 10; i++) {
      if (stopAt(next)) return { url: next };
      const res = await this.get(next.href);
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: next, res };
      next = new URL(location, next);
    }
    throw new Error('too many redirects');
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export const insecure = { [oauth.allowInsecureRequests]: true } as const;

/** Discovery through oauth4webapi. */
export async function discover(issuer: string): Promise<oauth.AuthorizationServer> {
  const url = new URL(issuer);
  return oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, { algorithm: 'oauth2', ...insecure }));
}

/** The user code shown on an interaction page. */
export function userCodeOf(html: string): string {
  const m = /<code class="user-code">([A-Z]{4}-[A-Z]{4})<\/code>/.exec(html);
  if (!m) throw new Error('no user code on the page');
  return m[1] as string;
}

/**
 * The databases the SQL of the authorization server must mean the same on: PGlite, and a throwaway
 * PostgreSQL 15 cluster (started on first use; stopPostgres() ends it).
 */
export function oauthDatabases(): { list: { name: string; open: () => Promise<Db | undefined> }[]; stopPostgres: () => Promise<void> } {
  let cluster: Promise<PgCluster> | undefined;
  let n = 0;
  const postgres = async (): Promise<Db> => {
    cluster ??= startPgCluster();
    const db = new PostgresDb(await (await cluster).createDatabase(`oauth_${++n}`));
    await migrate(db);
    for (const t of ['t1', 't2']) await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [t]);
    return db;
  };
  return {
    list: [
      { name: 'PGlite', open: async () => undefined },
      { name: 'PostgreSQL 15', open: postgres },
    ],
    stopPostgres: async () => {
      await cluster?.then((c) => c.stop(), () => {});
    },
  };
}
