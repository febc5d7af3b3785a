import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { auth as mcpAuth } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, userCodeOf } from '../../src/adapters/oauth/oauth-server.fixture.js';
import { HostProvider } from '../mcp-host.js';
import { assertBuilt, BIN, cleanup, p8fs, poll, Running, tempDir, vaultEnv } from './cli.js';

const REDIRECT = 'http://127.0.0.1:9/callback';

// The whole story on the embedded default: a remote MCP host signs in to `p8fs serve` with OAuth
// (discovery, dynamic registration, authorization code + PKCE), the vault's owner approves the code
// with `p8fs approve` on the same machine, and the host then saves and searches memories.
describe('an MCP host signs in to p8fs serve with OAuth, approved by the local owner', () => {
  let dir: string;
  let laptop: string;
  let server: Running;
  let url: string;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('mcp-oauth');
    laptop = tempDir('mcp-oauth-laptop');
    server = new Running(['serve', '--port', '0', '--workers', '1'], vaultEnv(dir));
    url = await server.listening();
  }, 150_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    cleanup(dir, laptop);
  });

  it('authorises, approves with the owner key, then saves and searches in the owner tenant', async () => {
    const host = new HostProvider(REDIRECT);
    const serverUrl = `${url}/api/mcp`;
    expect(await mcpAuth(host, { serverUrl })).toBe('REDIRECT');
    const browser = new Browser();
    const page = await browser.follow((host.authorizationUrl as URL).href, () => false);
    const userCode = userCodeOf(await (page.res as Response).text());

    // No --server: the owner of this data dir approves through the running server.
    const approved = await p8fs(['approve', userCode, '--yes', '--json'], vaultEnv(dir));
    expect(approved.code, approved.stderr).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ status: 'approved' });

    const done = await browser.follow(`${page.url.href}/continue`, (u) => u.href.startsWith(REDIRECT));
    const code = done.url.searchParams.get('code') as string;
    expect(await mcpAuth(host, { serverUrl, authorizationCode: code })).toBe('AUTHORIZED');
    const token = host.saved?.access_token as string;
    expect(decodeJwt(token)).toMatchObject({ aud: serverUrl });

    const client = new Client({ name: 'e2e-host', version: '0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(serverUrl), { authProvider: host }));
    try {
      const saved = (await client.callTool({ name: 'save_memory', arguments: { text: 'Our boat, the Saltmarsh Wren, is moored at pier 7.' } })) as CallToolResult;
      expect(saved.isError).toBeFalsy();
      const text = await poll(async () => {
        const r = (await client.callTool({ name: 'search', arguments: { query: 'Saltmarsh Wren pier', mode: 'keyword' } })) as CallToolResult;
        const t = r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
        return t.includes('pier 7') ? t : null;
      }, 'the memory in search', 60_000);
      expect(text).toContain('source: memories/');
    } finally {
      await client.close();
    }
    // The memory is in the owner's vault, as the owner's CLI sees it.
    const listed = await p8fs(['files', 'ls', '--json'], vaultEnv(dir));
    expect(listed.stdout).toContain('saltmarsh-wren');
  }, 180_000);

  /** An SDK client on the stdio of `p8fs mcp`, as Claude Desktop launches it. */
  async function stdioClient(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Client> {
    const client = new Client({ name: 'stdio-host', version: '0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp', ...args], env: env as Record<string, string>, stderr: 'pipe' }));
    return client;
  }
  const searchText = async (client: Client, query: string) =>
    ((await client.callTool({ name: 'search', arguments: { query, mode: 'keyword' } })) as CallToolResult).content
      .map((c) => (c.type === 'text' ? c.text : '')).join('\n');

  it('p8fs mcp on stdio relays to the server that holds the data dir, as the owner', async () => {
    const client = await stdioClient(vaultEnv(dir));
    try {
      expect(await searchText(client, 'Saltmarsh Wren')).toContain('pier 7');
    } finally {
      await client.close();
    }
  }, 60_000);

  it('p8fs mcp --server relays to a remote server with the stored sign-in of p8fs login', async () => {
    const login = new Running(['login', '--server', url], vaultEnv(laptop));
    try {
      const userCode = await login.until((p) => /^ {4}([A-Z]{4}-[A-Z]{4})$/m.exec(p.stderr)?.[1], 'the user code', 30_000);
      const ok = await p8fs(['approve', userCode, '--yes'], vaultEnv(dir));
      expect(ok.code, ok.stderr).toBe(0);
      expect(await login.exited).toBe(0);
    } finally {
      await login.stop('SIGKILL');
    }
    const client = await stdioClient(vaultEnv(laptop), ['--server', url]);
    try {
      expect(await searchText(client, 'Saltmarsh Wren')).toContain('pier 7');
    } finally {
      await client.close();
    }
    // The MCP token was obtained by refresh and kept beside the API token.
    const stored = JSON.parse(readFileSync(join(laptop, 'credentials.json'), 'utf8')) as Record<string, { mcp_access_token?: string }>;
    expect(decodeJwt(Object.values(stored)[0]?.mcp_access_token as string)).toMatchObject({ aud: `${url}/api/mcp` });
  }, 90_000);
});
