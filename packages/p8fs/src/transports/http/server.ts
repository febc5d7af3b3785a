import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type App, configuredIssuer } from '../../app.js';
import { createMcpHttpHandler, MCP_PATH, type McpHandler } from '../mcp/http.js';
import { createHttpApp } from './app.js';
import { errorBody } from './errors.js';
import { DEFAULT_JSON_BODY_BYTES } from './middleware.js';
import { AuthRateLimits } from './rate-limit.js';

/** A listening HTTP server. */
export interface HttpServer {
  /** base URL with the port actually bound (port 0 asks the OS for a free one) */
  url: string;
  /** Stop accepting connections and wait for requests in flight. */
  close(): Promise<void>;
}

export interface HttpServerOptions {
  host: string;
  port: number;
  /** The data dir's owner secret: enables POST /api/v1/auth/local-token for the local CLI. */
  ownerSecret?: string | null;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Serve the HTTP API and the OAuth authorization server on host:port. Resolves once listening and
 * ready; rejects if the port cannot be bound. The issuer is the configured public URL, else the
 * URL actually bound (port 0 is known only after listening, so auth is built then).
 */
export async function startHttpServer(app: App, opts: HttpServerOptions): Promise<HttpServer> {
  let ready: Listener | null = null;
  let mcp: McpHandler | null = null;
  // Until auth is built (a few ms after binding) requests get 503 instead of an unauthenticated app.
  const server = createServer((req, res) => (ready ? ready(req, res) : notReady(res)));
  // Idle keep-alive sockets live longer than clients keep them (undici: 4 s), so a client never
  // reuses a socket the server is closing at that moment (ECONNRESET on a busy machine).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const port = await listen(server, opts.host, opts.port);
  const url = `http://${displayHost(opts.host)}:${port}`;
  try {
    const issuer = app.config.publicUrl ? configuredIssuer(app.config) : url;
    const auth = await app.auth(issuer);
    const hono = createHttpApp(app, { auth: { services: auth, ownerSecret: opts.ownerSecret ?? null } });
    const api = getRequestListener(hono.fetch);
    // oidc-provider's endpoints never reach Hono, so their rate limits sit here.
    const oauthLimits = new AuthRateLimits();
    // MCP speaks JSON-RPC over Streamable HTTP with its own transport, so it bypasses Hono too.
    const mcpHandler = createMcpHttpHandler(app, auth, { port });
    mcp = mcpHandler;
    app.metrics.watch({ mcpSessions: () => mcpHandler.sessions.size });
    ready = (req, res) => {
      const path = (req.url ?? '/').split('?')[0] ?? '/';
      if (path === MCP_PATH) {
        timeOutsideHono(app, req, res, MCP_PATH);
        void mcpHandler(req, res);
      } else if (auth.server.handles(path)) {
        timeOutsideHono(app, req, res, '/oauth');
        if (oauthLimits.refuseOAuth(req, res, path) || refuseDeclaredOversize(req, res)) return;
        discardUnreadBody(req, res);
        auth.server.handle(req, res);
      }
      else void api(req, res);
    };
  } catch (err) {
    await closeServer(server);
    throw err;
  }
  app.log.info({ url }, 'http server listening');
  // Sessions first: their open SSE streams would otherwise hold the server open.
  return { url, close: async () => { await mcp?.close(); await closeServer(server); } };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * 413 for an OAuth request whose Content-Length is over the JSON cap, before oidc-provider reads it.
 * A chunked body has no length to check here: oidc-provider itself stops reading past 56 KiB.
 */
function refuseDeclaredOversize(req: IncomingMessage, res: ServerResponse): boolean {
  const declared = Number(req.headers['content-length']);
  if (!(declared > DEFAULT_JSON_BODY_BYTES)) return false;
  res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
  res.end(JSON.stringify(errorBody('request.too_large', `the request body is over ${DEFAULT_JSON_BODY_BYTES} bytes`)));
  return true;
}

/**
 * oidc-provider stops reading a body past its own cap (56 KiB) and answers at once; what the client
 * still sends would hold the connection until the server's timeouts. Once the answer is out, the
 * rest is discarded for a moment and then the connection is closed (as @hono/node-server does).
 */
function discardUnreadBody(req: IncomingMessage, res: ServerResponse): void {
  res.once('finish', () => {
    if (req.readableEnded) return;
    const timer = setTimeout(() => req.socket.destroy(), 500);
    timer.unref();
    req.once('end', () => clearTimeout(timer));
    req.resume();
  });
}

/**
 * MCP and the authorization server answer outside Hono, so their requests are counted here, under
 * one route label each (their paths are not ours to enumerate). Timed to the end of the response:
 * an MCP SSE stream counts its whole life.
 */
function timeOutsideHono(app: App, req: IncomingMessage, res: ServerResponse, route: string): void {
  const started = performance.now();
  res.once('finish', () => app.metrics.httpRequest(route, req.method ?? 'GET', res.statusCode, (performance.now() - started) / 1000));
}

function notReady(res: ServerResponse): void {
  res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
  res.end(JSON.stringify(errorBody('internal', 'starting up')));
}

// A wildcard bind is reachable on loopback; IPv6 literals need brackets inside a URL.
function displayHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** In-flight requests get this long to finish on close; then their connections are cut. */
const CLOSE_GRACE_MS = 10_000;

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    // Keep-alive sockets with no request in flight would otherwise hold close() open until their
    // keep-alive timeout (65 s): those idle now, and those that become idle when their response (a
    // streamed download, an SSE stream) ends after close() was called.
    const sweep = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
    server.close((err) => {
      clearInterval(sweep);
      clearTimeout(cut);
      if (err) reject(err);
      else resolve();
    });
    server.closeIdleConnections();
  });
}
