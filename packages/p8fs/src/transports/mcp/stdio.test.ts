import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support.js';

// The built binary, as a host launches it: run `npm run build` first.
const BIN = resolve(fileURLToPath(import.meta.url), '../../../../bin/p8fs.js');

describe('p8fs mcp over stdio (the built binary, spawned by the SDK client)', () => {
  let dataDir: string;
  let client: Client;
  let stderr = '';
  const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'p8fs-mcp-stdio-'));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [BIN, 'mcp'],
      env: { PATH: process.env.PATH ?? '', P8FS_DATA_DIR: dataDir, P8FS_EMBEDDING_PROVIDER: 'hash', P8FS_PARSE_ISOLATION: 'inline', P8FS_LOG_LEVEL: 'info' },
      stderr: 'pipe',
    });
    transport.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    client = new Client({ name: 'p8fs-test', version: '0.0.0' });
    // Any stray stdout line would break the JSON-RPC framing and fail this connect.
    await client.connect(transport);
  }, 60_000);
  afterAll(async () => {
    await client?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('lists the tools, saves a memory as the owner and finds it with search', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(['get_file', 'get_resource', 'list_files', 'list_moments', 'lookup', 'rem_query', 'save_memory', 'search', 'traverse', 'upload_file']);

    const saved = await call('save_memory', { text: 'The lighthouse keeper on Skerryvore logs storms in a brass-bound book.', tags: ['history'] });
    expect(saved.isError).toBeFalsy();
    const { file_id: fileId } = saved.structuredContent as { file_id: string };
    await waitFor(async () => /status: indexed/.test(text(await call('get_file', { id: fileId }))), 30_000, 200);

    const found = await call('search', { query: 'Skerryvore lighthouse storms', limit: 3 });
    expect(text(found)).toMatch(/source: memories\/\d{4}-\d{2}-\d{2}-the-lighthouse-keeper-on-skerryvore/);
    // Logs went to stderr (the info level asked for), never into the protocol stream.
    expect(stderr).toContain('file stored');
  }, 60_000);
});
