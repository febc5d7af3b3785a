import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type AccessTokenList, CreatedAccessToken } from '@p8fs/contracts';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, cleanup, p8fs, p8fsJson, poll, Running, tempDir, vaultEnv } from './cli.js';

const NOTE = '# Harbour log\n\nThe ferry Cormorant Lantern leaves pier 9 at dawn on Tuesdays.\n';

/** An MCP SDK client that sends a fixed bearer header, as Claude Code's --header or n8n do. */
async function headerClient(endpoint: string, token: string): Promise<Client> {
  const client = new Client({ name: 'header-host', version: '0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

// The whole story on a real `p8fs serve`: the owner makes an MCP token with the CLI, an MCP host
// that can only send a header uses it, the API refuses it, last use shows, revocation cuts it off.
describe('personal access tokens against p8fs serve', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let server: Running;
  let url: string;
  let mcpUrl: string;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('access-tokens');
    env = vaultEnv(dir);
    server = new Running(['serve', '--port', '0', '--workers', '1'], env);
    url = await server.listening();
    mcpUrl = `${url}/api/mcp`;
    const note = join(dir, 'harbour.md');
    writeFileSync(note, NOTE);
    const ingested = await p8fs(['ingest', note, '--wait'], env);
    expect(ingested.code, ingested.stderr).toBe(0);
  }, 150_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    cleanup(dir);
  });

  it('an MCP host with a read token searches; the API refuses it; ls shows its use; rm cuts it off', async () => {
    const created = await p8fs(['tokens', 'create', '--name', 'claude-code', '--audience', 'mcp', '--scope', 'vault:read'], env);
    expect(created.code, created.stderr).toBe(0);
    const token = created.stdout.trimEnd().split('\n').at(-1) as string;
    expect(token).toMatch(/^p8pat_[A-Za-z0-9_-]{43}$/);
    const id = /created access token (\S+)/.exec(created.stdout)?.[1] as string;

    const client = await headerClient(mcpUrl, token);
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain('search');
      const found = await poll(async () => {
        const t = text((await client.callTool({ name: 'search', arguments: { query: 'Cormorant Lantern ferry', mode: 'keyword' } })) as CallToolResult);
        return t.includes('pier 9') ? t : null;
      }, 'the note in MCP search', 60_000);
      expect(found).toContain('harbour');
      // Read-only: saving a memory is refused by the service.
      const saved = (await client.callTool({ name: 'save_memory', arguments: { text: 'a memory from a read-only token' } })) as CallToolResult;
      expect(saved.isError).toBe(true);
      expect(text(saved)).toContain('forbidden');

      // The wrong audience: the REST API refuses an MCP token with its challenge.
      const api = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${token}` } });
      expect(api.status).toBe(401);
      expect(api.headers.get('www-authenticate')).toContain('error="invalid_token"');

      const used = await poll(async () => {
        const list = await p8fsJson<AccessTokenList>(['tokens', 'ls'], env);
        return list.tokens.find((t) => t.id === id && t.last_used_at !== null);
      }, 'last_used_at in tokens ls', 30_000);
      expect(used).toMatchObject({ name: 'claude-code', audience: 'mcp', scopes: ['vault:read'], status: 'active' });
      expect(Date.parse(used.last_used_at as string)).toBeGreaterThan(Date.now() - 5 * 60_000);

      const rm = await p8fs(['tokens', 'rm', id], env);
      expect(rm.code, rm.stderr).toBe(0);
      expect(rm.stdout).toContain(`revoked ${id}`);
      // The very next call, in the same session, is refused.
      await expect(client.listTools()).rejects.toMatchObject({ code: 401 });
      const after = await p8fsJson<AccessTokenList>(['tokens', 'ls'], env);
      expect(after.tokens.map((t) => t.id)).not.toContain(id);
    } finally {
      await client.close();
    }
  }, 120_000);

  it('an API token with --json and --expires never works on /api/v1 and not at /api/mcp', async () => {
    const created = CreatedAccessToken.parse(await p8fsJson(['tokens', 'create', '--name', 'curl', '--scope', 'vault:read,vault:write', '--expires', 'never'], env));
    expect(created).toMatchObject({ audience: 'api', scopes: ['vault:read', 'vault:write'], expires_at: null });
    const status = await fetch(`${url}/api/v1/status`, { headers: { authorization: `Bearer ${created.token}` } });
    expect(status.status).toBe(200);
    await expect(headerClient(mcpUrl, created.token)).rejects.toMatchObject({ code: 401 });
    // A token cannot make tokens, whatever its scopes.
    const minted = await p8fs(['tokens', 'create', '--name', 'minted', '--server', url, '--token', created.token], env);
    expect(minted.code).not.toBe(0);
    expect(minted.stderr).toContain('personal access tokens cannot');
  }, 60_000);

  it('p8fs auth token --audience mcp gives the owner a token /api/mcp accepts (and the default one it refuses)', async () => {
    const mcpToken = await p8fs(['auth', 'token', '--audience', 'mcp'], env);
    expect(mcpToken.code, mcpToken.stderr).toBe(0);
    expect(decodeJwt(mcpToken.stdout.trim()).aud).toBe(mcpUrl);
    const client = await headerClient(mcpUrl, mcpToken.stdout.trim());
    try {
      const r = (await client.callTool({ name: 'search', arguments: { query: 'Cormorant Lantern', mode: 'keyword' } })) as CallToolResult;
      expect(text(r)).toContain('pier 9');
    } finally {
      await client.close();
    }
    const apiToken = (await p8fs(['auth', 'token'], env)).stdout.trim();
    expect(decodeJwt(apiToken).aud).toBe(`${url}/api`);
    await expect(headerClient(mcpUrl, apiToken)).rejects.toMatchObject({ code: 401 });
  }, 60_000);
});
