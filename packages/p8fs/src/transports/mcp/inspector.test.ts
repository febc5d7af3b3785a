import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { createMcpHandler, MCP_PATH, type McpHandler } from './http.js';

// The MCP Inspector's CLI mode (0.15.0), as a user runs it: a separate process with its own SDK copy.
const INSPECTOR = resolve(fileURLToPath(import.meta.url), '../../../../../../node_modules/@modelcontextprotocol/inspector-cli/build/index.js');
const BIN = resolve(fileURLToPath(import.meta.url), '../../../../bin/p8fs.js');

function inspector(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [INSPECTOR, ...args], { timeout: 90_000, env, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
  });
}

describe('MCP Inspector CLI 0.15.0 against P8FS', () => {
  let dataDir: string;
  let app: App & { dataDir: string };
  let http: Server;
  let handler: McpHandler;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'p8fs-inspector-'));
    app = await createTestApp();
    app.pool.start();
    http = createServer();
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const { port } = http.address() as AddressInfo;
    const hosts = [`127.0.0.1:${port}`];
    // The Inspector CLI 0.15.0 cannot send an Authorization header, so HTTP runs against the same
    // handler with a fixed actor (the OAuth path is covered by http.test.ts with the SDK client).
    handler = createMcpHandler(app, { allowedHosts: hosts, allowedOrigins: [`http://${hosts[0]}`], authenticate: async () => app.owner, sessions: true, sessionIdleMs: 60_000 });
    http.on('request', (req, res) => (req.url?.startsWith(MCP_PATH) ? void handler(req, res) : res.writeHead(404).end()));
    url = `http://127.0.0.1:${port}${MCP_PATH}`;
  });
  afterAll(async () => {
    await handler?.close();
    http?.closeAllConnections();
    await new Promise((r) => http?.close(r));
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the tools of `p8fs mcp` over stdio and calls save_memory then search', async () => {
    const env = { ...process.env, P8FS_DATA_DIR: dataDir, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_PARSE_ISOLATION: 'inline', P8FS_LOG_LEVEL: 'warn' };
    const target = [process.execPath, BIN, 'mcp'];
    const list = await inspector([...target, '--method', 'tools/list'], env);
    expect(list.code, list.stderr).toBe(0);
    const names = (JSON.parse(list.stdout) as { tools: { name: string }[] }).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['search', 'save_memory', 'get_file', 'list_files']));

    const saved = await inspector([...target, '--method', 'tools/call', '--tool-name', 'save_memory', '--tool-arg', 'text=The lighthouse keeper is called Ottoline.'], env);
    expect(saved.code, saved.stderr).toBe(0);
    expect(JSON.parse(saved.stdout)).toMatchObject({ structuredContent: { uri: expect.stringMatching(/^memories\//) } });
    const found = await inspector([...target, '--method', 'tools/call', '--tool-name', 'search', '--tool-arg', 'query=lighthouse Ottoline', 'mode=keyword'], env);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toContain('Ottoline');
  }, 180_000);

  it('lists tools and reads prompts over Streamable HTTP', async () => {
    const list = await inspector([url, '--method', 'tools/list']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('"name": "search"');
    const prompts = await inspector([url, '--method', 'prompts/list']);
    expect(prompts.code, prompts.stderr).toBe(0);
    expect(prompts.stdout).toContain('summarise_recent');
  }, 120_000);
});
