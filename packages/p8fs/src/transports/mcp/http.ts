import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { App, AuthServices } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { errorMessage } from '../../domain/errors.js';
import { bearerToken, resourceMetadataUrl } from '../http/auth.js';
import { createMcpServer } from './server.js';

/** The path of the Streamable HTTP endpoint; it is also the MCP resource (token audience). */
export const MCP_PATH = '/api/mcp';
/** One JSON-RPC message (or batch): upload_file's 5 MB inline as base64 plus framing fits well under this. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface McpHttpOptions {
  /** The port actually bound: loopback names at this port are allowed Host values besides the issuer's. */
  port: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * The Streamable HTTP MCP endpoint, stateless: each POST gets a fresh McpServer and transport bound
 * to the caller's actor, so nothing (sessions, tenants) is shared between requests. Order of checks:
 * Host/Origin first (a DNS-rebinding page must learn nothing, not even the auth challenge), then the
 * bearer token for the MCP audience, then the body.
 */
export function createMcpHttpHandler(app: App, auth: AuthServices, opts: McpHttpOptions): Handler {
  const { server } = auth;
  const allowedHosts = allowedHostsFor(server.issuer, opts.port);
  const allowedOrigins = [...new Set([new URL(server.issuer).origin, ...allowedHosts.map((h) => `http://${h}`)])];
  const challenge = (error: string | null) =>
    `Bearer resource_metadata="${resourceMetadataUrl(server.issuer, MCP_PATH)}"${error ? `, error="${error}"` : ''}`;

  return createStatelessMcpHandler(app, {
    allowedHosts,
    allowedOrigins,
    authenticate: async (req, res) => {
      const header = req.headers.authorization;
      const token = bearerToken(header);
      if (token === undefined) {
        unauthorized(res, challenge(header === undefined ? null : 'invalid_request'), 'send Authorization: Bearer <access token for this MCP server>');
        return null;
      }
      try {
        const claims = await server.verifyAccessToken(token, server.resources.mcp);
        return { tenantId: claims.tenantId, userId: null, deviceId: claims.deviceId, scopes: claims.scopes };
      } catch (err) {
        unauthorized(res, challenge('invalid_token'), errorMessage(err));
        return null;
      }
    },
  });
}

export interface StatelessMcpOptions {
  allowedHosts: string[];
  allowedOrigins: string[];
  /** The caller's actor, or null after answering the request itself (a 401 challenge). */
  authenticate: (req: IncomingMessage, res: ServerResponse) => Promise<Actor | null>;
}

/**
 * The stateless Streamable HTTP core, given how to find the actor. createMcpHttpHandler passes the
 * OAuth bearer check; tests (the conformance suite, whose CLI cannot send a token) pass a fixed actor.
 */
export function createStatelessMcpHandler(app: App, opts: StatelessMcpOptions): Handler {
  const { allowedHosts, allowedOrigins } = opts;
  const handle: Handler = async (req, res) => {
    const origin = req.headers.origin;
    if (!allowedHosts.includes(req.headers.host ?? '')) return rpcError(res, 403, `invalid Host header: ${req.headers.host ?? '(none)'}`);
    if (origin !== undefined && !allowedOrigins.includes(origin)) return rpcError(res, 403, `invalid Origin header: ${origin}`);

    const actor = await opts.authenticate(req, res);
    if (actor === null) return;

    // Stateless: there is no session to stream server-initiated messages on or to delete.
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST', 'content-type': 'application/json' });
      res.end(JSON.stringify(rpcBody('this server is stateless: send JSON-RPC messages with POST')));
      return;
    }
    const body = await readJson(req);
    if (body.error) return rpcError(res, body.status, body.error, body.status === 400 ? -32700 : -32600);

    const mcp = createMcpServer(app, actor);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined, enableJsonResponse: true, enableDnsRebindingProtection: true, allowedHosts, allowedOrigins,
    });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    try {
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body.value);
    } catch (err) {
      app.log.error({ err: errorMessage(err) }, 'mcp: request failed');
      if (!res.headersSent) rpcError(res, 500, 'internal error', -32603);
    }
  };
  // The dispatcher does not await: a failure anywhere (a body stream error) must still answer.
  return (req, res) => handle(req, res).catch((err: unknown) => {
    app.log.error({ err: errorMessage(err) }, 'mcp: request failed');
    if (!res.headersSent) rpcError(res, 500, 'internal error', -32603);
    else res.destroy();
  });
}

/** The issuer's host plus loopback names at the bound port (a local client may use any of them). */
export function allowedHostsFor(issuer: string, port: number): string[] {
  return [...new Set([new URL(issuer).host, `127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])];
}

function unauthorized(res: ServerResponse, challenge: string, message: string): void {
  res.writeHead(401, { 'www-authenticate': challenge, 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: 'unauthorized', message } }));
}

function rpcBody(message: string, code = -32000) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

function rpcError(res: ServerResponse, status: number, message: string, code = -32000): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(rpcBody(message, code)));
}

type Body = { value: unknown; error?: undefined } | { value?: undefined; error: string; status: number };

/** Read and parse the JSON body with a size cap; the SDK transport itself reads bodies of any size. */
async function readJson(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      req.resume();
      return { error: `request body over ${MAX_BODY_BYTES / 1024 / 1024} MB`, status: 413 };
    }
    chunks.push(chunk);
  }
  try {
    return { value: JSON.parse(Buffer.concat(chunks).toString('utf8')) };
  } catch {
    return { error: 'parse error: the body is not JSON', status: 400 };
  }
}
