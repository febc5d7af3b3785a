import type { IncomingMessage, ServerResponse } from 'node:http';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { App, AuthServices } from '../../app.js';
import { type Actor, actorFromClaims } from '../../domain/actor.js';
import { errorMessage } from '../../domain/errors.js';
import { serverBlind } from '../../domain/scopes.js';
import { isAccessToken } from '../../services/auth/access-tokens.js';
import { bearerToken, resourceMetadataUrl } from '../http/auth.js';
import { BoundedEventStore } from './event-store.js';
import { createMcpServer } from './server.js';
import { McpSessions } from './sessions.js';

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
 * The Streamable HTTP MCP endpoint with OAuth: sessions per createMcpHandler. Order of checks:
 * Host/Origin first (a DNS-rebinding page must learn nothing, not even the auth challenge), then the
 * bearer token for the MCP audience, then the body.
 */
export function createMcpHttpHandler(app: App, auth: AuthServices, opts: McpHttpOptions): McpHandler {
  const { server } = auth;
  const allowedHosts = allowedHostsFor(server.issuer, opts.port);
  const allowedOrigins = [...new Set([new URL(server.issuer).origin, ...allowedHosts.map((h) => `http://${h}`)])];
  const challenge = (error: string | null) =>
    `Bearer resource_metadata="${resourceMetadataUrl(server.issuer, MCP_PATH)}"${error ? `, error="${error}"` : ''}`;

  return createMcpHandler(app, {
    baseUrl: server.issuer,
    sessions: app.config.mcpSessions,
    sessionIdleMs: app.config.mcpSessionIdleMinutes * 60_000,
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
        // A personal access token (p8pat_…) is checked by its service, anything else as an OAuth JWT.
        if (isAccessToken(token)) return await app.services.accessTokens.verify(token, 'mcp');
        return actorFromClaims(await server.verifyAccessToken(token, server.resources.mcp));
      } catch (err) {
        unauthorized(res, challenge('invalid_token'), errorMessage(err));
        return null;
      }
    },
  });
}

export interface McpHandlerOptions {
  allowedHosts: string[];
  allowedOrigins: string[];
  /** The caller's actor, or null after answering the request itself (a 401 challenge). */
  authenticate: (req: IncomingMessage, res: ServerResponse) => Promise<Actor | null>;
  /** Streamable HTTP sessions (SSE streams, resumption); off: every request is stateless JSON. */
  sessions: boolean;
  sessionIdleMs: number;
  /** The public URL of the HTTP server, for upload links. */
  baseUrl?: string;
}

export type McpHandler = Handler & { close(): Promise<void>; sessions: McpSessions };

/**
 * The Streamable HTTP core, given how to find the actor. createMcpHttpHandler passes the OAuth
 * bearer check; tests (the conformance suite, whose CLI cannot send a token) pass a fixed actor.
 *
 * An `initialize` opens a session: its McpServer and transport stay in this process, bound to the
 * actor, and later requests name it with Mcp-Session-Id (POST messages, GET for the server's SSE
 * stream, DELETE to end it); SSE events are kept for Last-Event-ID resumption. Any other POST
 * without a session id is answered statelessly with JSON, so a client of another process (or a
 * balancer without sticky sessions) still works for plain tool calls.
 */
export function createMcpHandler(app: App, opts: McpHandlerOptions): McpHandler {
  const { allowedHosts, allowedOrigins } = opts;
  const sessions = new McpSessions({ idleMs: opts.sessionIdleMs, perOwner: 20 });
  const transportOptions = { enableDnsRebindingProtection: true, allowedHosts, allowedOrigins };

  const handle: Handler = async (req, res) => {
    const origin = req.headers.origin;
    if (!allowedHosts.includes(req.headers.host ?? '')) return rpcError(res, 403, `invalid Host header: ${req.headers.host ?? '(none)'}`);
    if (origin !== undefined && !allowedOrigins.includes(origin)) return rpcError(res, 403, `invalid Origin header: ${origin}`);

    const actor = await opts.authenticate(req, res);
    if (actor === null) return;
    // An end-to-end vault is refused at the door, with why and what to use instead (p8fs mcp on a device).
    if (actor.vaultMode === 'e2e') return rpcError(res, 409, serverBlind().message);

    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const session = sessions.get(sessionId, actor);
      // 404 tells the client to initialise again (the session expired, ended, or lives elsewhere).
      if (!session) return rpcError(res, 404, 'session not found (expired or ended): initialize a new session', -32001);
      const body = req.method === 'POST' ? await readJson(req) : { value: undefined };
      if (body.error) return rpcError(res, body.status, body.error, body.status === 400 ? -32700 : -32600);
      await session.transport.handleRequest(req, res, body.value);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(opts.sessions ? 400 : 405, { allow: 'POST', 'content-type': 'application/json' });
      res.end(JSON.stringify(rpcBody(opts.sessions
        ? 'Mcp-Session-Id is required: GET opens a session\'s SSE stream and DELETE ends a session'
        : 'this server is stateless: send JSON-RPC messages with POST')));
      return;
    }
    const body = await readJson(req);
    if (body.error) return rpcError(res, body.status, body.error, body.status === 400 ? -32700 : -32600);

    const mcp = createMcpServer(app, actor, { baseUrl: opts.baseUrl });
    if (opts.sessions && isInitializeRequest(body.value)) {
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        ...transportOptions,
        sessionIdGenerator: () => sessions.newId(),
        eventStore: new BoundedEventStore(),
        onsessioninitialized: (id) => sessions.add(actor, id, transport, mcp),
        onsessionclosed: (id) => sessions.forget(id),
      });
      await mcp.connect(transport);
      await transport.handleRequest(req, res, body.value);
      return;
    }
    const transport = new StreamableHTTPServerTransport({ ...transportOptions, sessionIdGenerator: undefined, enableJsonResponse: true });
    res.on('close', () => {
      void transport.close();
      void mcp.close();
    });
    await mcp.connect(transport);
    await transport.handleRequest(req, res, body.value);
  };
  // The dispatcher does not await: a failure anywhere (a body stream error) must still answer.
  const handler = (req: IncomingMessage, res: ServerResponse) => handle(req, res).catch((err: unknown) => {
    app.log.error({ err: errorMessage(err) }, 'mcp: request failed');
    if (!res.headersSent) rpcError(res, 500, 'internal error', -32603);
    else res.destroy();
  });
  return Object.assign(handler, { sessions, close: () => sessions.closeAll() });
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
