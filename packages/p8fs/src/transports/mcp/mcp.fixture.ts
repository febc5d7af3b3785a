import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createTestApp } from '../../../test/support.js';
import type { App, AuthServices } from '../../app.js';
import { type HttpServer, startHttpServer } from '../http/server.js';

/** A real server on a free port, its auth services, and SDK clients for /api/mcp that close with it. */
export interface McpHarness {
  app: App & { dataDir: string };
  server: HttpServer;
  auth: AuthServices;
  endpoint: URL;
  /** An access token for a device, for any resource (the MCP endpoint unless a test wants another). */
  token(tenantId: string, deviceId: string, resource: string, scope?: string): Promise<string>;
  /** An SDK client connected to /api/mcp with this access token. */
  connect(accessToken: string): Promise<Client>;
  close(): Promise<void>;
}

export async function startMcpHarness(): Promise<McpHarness> {
  const app = await createTestApp();
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  const auth = await app.auth();
  app.pool.start();
  const endpoint = new URL(`${server.url}/api/mcp`);
  const clients: Client[] = [];
  return {
    app, server, auth, endpoint,
    token: async (tenantId, deviceId, resource, scope = 'vault:read vault:write') =>
      (await auth.server.issueTokens({ tenantId, deviceId, clientId: 'p8fs-cli', scope, resource })).access_token,
    connect: async (accessToken) => {
      const client = new Client({ name: 'p8fs-test', version: '0.0.0' });
      await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { authorization: `Bearer ${accessToken}` } } }));
      clients.push(client);
      return client;
    },
    close: async () => {
      for (const c of clients) await c.close();
      await server.close();
      await app.close();
    },
  };
}
