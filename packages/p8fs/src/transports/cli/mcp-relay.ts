import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import * as oauth from 'oauth4webapi';
import { errorMessage } from '../../domain/errors.js';
import { CLI_CLIENT, discover, oauthFailure } from './credentials.js';
import { localOwnerToken } from './vault/remote.js';

/** Where an MCP host's stdio goes when the vault lives in another process. */
export interface RelayTarget {
  endpoint: URL;
  /** A valid access token for the endpoint's audience, fetched before every request (cheap when cached). */
  token: () => Promise<string>;
}

/**
 * Relay an MCP host on stdio to a Streamable HTTP endpoint, message for message: the host keeps its
 * stdio config, the vault stays in the server that owns it. The relay adds the bearer token and
 * answers a request it could not deliver with a JSON-RPC error, so the host never hangs.
 */
export async function relayStdio(target: RelayTarget, onError: (message: string) => void): Promise<void> {
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
  const local = new StdioServerTransport();
  const remote = new StreamableHTTPClientTransport(target.endpoint, {
    fetch: async (url, init) => {
      const headers = new Headers(init?.headers);
      headers.set('authorization', `Bearer ${await target.token()}`);
      return fetch(url, { ...init, headers });
    },
  });
  const closed = new Promise<void>((resolve) => {
    local.onclose = resolve;
    remote.onclose = resolve;
    process.once('SIGINT', () => resolve()).once('SIGTERM', () => resolve());
  });
  remote.onerror = (err) => onError(`mcp relay: ${errorMessage(err)}`);
  remote.onmessage = (message) => {
    // The client transport sends the negotiated version on later requests; the relay has no Client to tell it.
    const result = (message as { result?: { protocolVersion?: unknown } }).result;
    if (typeof result?.protocolVersion === 'string') remote.setProtocolVersion(result.protocolVersion);
    void local.send(message);
  };
  local.onmessage = (message: JSONRPCMessage) => {
    remote.send(message).catch((err: unknown) => {
      onError(`mcp relay: ${errorMessage(err)}`);
      if ('id' in message && 'method' in message)
        void local.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `p8fs server unreachable: ${errorMessage(err)}` } });
    });
  };
  await remote.start();
  await local.start();
  await closed;
  await remote.terminateSession().catch(() => undefined);
  await Promise.all([remote.close(), local.close()]);
}

/**
 * MCP tokens for the owner of a local data dir, through the server that holds it: the owner secret
 * gets a grant, and its refresh token is swapped for tokens bound to the MCP endpoint (kept in memory).
 */
export function ownerMcpTokens(url: string, dataDir: string): () => Promise<string> {
  let refresh: string | null = null;
  let current: { token: string; until: number } | null = null;
  return async () => {
    if (current && current.until - Date.now() > 60_000) return current.token;
    refresh ??= (await localOwnerToken(url, dataDir)).refresh_token;
    const auth = await discover(url);
    try {
      const res = await oauth.refreshTokenGrantRequest(auth.as, CLI_CLIENT, oauth.None(), refresh, {
        ...auth.http, additionalParameters: { resource: auth.mcpResource },
      });
      const tokens = await oauth.processRefreshTokenResponse(auth.as, CLI_CLIENT, res);
      refresh = tokens.refresh_token ?? refresh;
      current = { token: tokens.access_token, until: Date.now() + (tokens.expires_in ?? 3600) * 1000 };
      return current.token;
    } catch (err) {
      throw oauthFailure(err, `cannot get an MCP token from ${url}`);
    }
  };
}
