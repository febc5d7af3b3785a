import { randomUUID } from 'node:crypto';
import { request } from 'node:http';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support.js';
import type { App, AuthServices } from '../../app.js';
import type { HttpServer } from '../http/server.js';
import { type McpHarness, startMcpHarness } from './mcp.fixture.js';
import { memoryFile } from './write-tools.js';

const TOOLS = ['get_file', 'get_resource', 'list_files', 'list_moments', 'lookup', 'rem_query', 'save_memory', 'search', 'traverse', 'upload_file'];

describe('MCP over Streamable HTTP at /api/mcp', () => {
  let h: McpHarness;
  let app: App & { dataDir: string };
  let server: HttpServer;
  let auth: AuthServices;
  let endpoint: URL;
  const token = (tenantId: string, deviceId: string, resource: string, scope?: string) => h.token(tenantId, deviceId, resource, scope);
  const connect = (accessToken: string) => h.connect(accessToken);
  const call = async (client: Client, name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

  let owner: Client;
  let memory: { file_id: string; uri: string };

  beforeAll(async () => {
    h = await startMcpHarness();
    ({ app, server, auth, endpoint } = h);
    owner = await connect(await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp));
  });
  afterAll(() => h?.close());

  it('lists the tools with input schemas and annotations', async () => {
    const { tools } = await owner.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) {
      expect(t.description?.length, t.name).toBeGreaterThan(80);
      expect(t.inputSchema.type).toBe('object');
      expect(t.annotations, t.name).toBeDefined();
    }
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    expect(byName.search?.inputSchema.required).toEqual(['query']);
    expect(Object.keys(byName.search?.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['query', 'limit', 'mode']));
    expect(byName.search?.annotations).toMatchObject({ readOnlyHint: true, destructiveHint: false });
    expect(byName.get_file?.annotations?.readOnlyHint).toBe(true);
    expect(byName.save_memory?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: false });
    expect(byName.upload_file?.annotations).toMatchObject({ readOnlyHint: false, destructiveHint: true, idempotentHint: true });
  });

  it('save_memory stores a Markdown file that search then finds, with provenance', async () => {
    const saved = await call(owner, 'save_memory', { text: 'The quokka named Zanzibar prefers fig leaves over clover.', title: 'Quokka diet', tags: ['zoo'] });
    expect(saved.isError).toBeFalsy();
    memory = saved.structuredContent as typeof memory;
    expect(memory.uri).toMatch(/^memories\/\d{4}-\d{2}-\d{2}-quokka-diet-[0-9a-f]{8}\.md$/);
    await waitFor(async () => (await app.services.files.get(app.owner, memory.file_id)).status === 'indexed');

    const found = await call(owner, 'search', { query: 'Zanzibar quokka', mode: 'keyword', limit: 3 });
    expect(found.isError).toBeFalsy();
    expect(text(found)).toMatch(/^1\. /);
    expect(text(found)).toContain(`source: ${memory.uri}`);
    const hits = (found.structuredContent as { results: { resource_id: string; file_id: string }[] }).results;
    expect(hits[0]?.file_id).toBe(memory.file_id);
    // The filters the CLI has too (decision 0022): tags from the memory's frontmatter; one hit per file by default.
    const tagged = await call(owner, 'search', { query: 'Zanzibar quokka', tag: 'zoo', type: 'md', folder: 'memories' });
    expect((tagged.structuredContent as { results: { file_id: string; score: number }[] }).results).toEqual([expect.objectContaining({ file_id: memory.file_id })]);
    expect(text(tagged)).toMatch(/^1\. .*\(score (0|1)\.\d\d\)/);
    const untagged = await call(owner, 'search', { query: 'Zanzibar quokka', tag: 'farm', group: 'chunk' });
    expect((untagged.structuredContent as { results: unknown[] }).results).toEqual([]);

    const resource = await call(owner, 'get_resource', { id: hits[0]?.resource_id });
    expect(text(resource)).toContain('fig leaves');
    expect(text(resource)).toContain(`uri: ${memory.uri}`);

    const file = await call(owner, 'get_file', { id: memory.file_id });
    expect(text(file)).toMatch(/status: indexed/);
    expect(text(file)).toMatch(/parser: \S+/);
    expect(text(file)).toMatch(/chunks: [1-9]/);

    const list = await call(owner, 'list_files', { status: 'indexed', query: 'quokka' });
    expect((list.structuredContent as { total: number }).total).toBe(1);
    expect(text(list)).toContain(memory.uri);

    // The same text again is a no-op, not a second memory.
    const again = await call(owner, 'save_memory', { text: 'The quokka named Zanzibar prefers fig leaves over clover.', title: 'Quokka diet', tags: ['zoo'] });
    expect(again.structuredContent).toMatchObject({ file_id: memory.file_id, unchanged: true });
  });

  it('upload_file takes inline text and base64, and refuses content over 5 MB with a pointer to the HTTP upload', async () => {
    const up = await call(owner, 'upload_file', { name: 'notes/ferry.md', content_base64: Buffer.from('# Ferry\n\nThe ferry leaves at dawn.').toString('base64') });
    expect(up.isError).toBeFalsy();
    expect(up.structuredContent).toMatchObject({ uri: 'notes/ferry.md' });
    const big = await call(owner, 'upload_file', { name: 'big.txt', content_text: 'x'.repeat(5 * 1024 * 1024 + 1) });
    expect(big.isError).toBe(true);
    expect(text(big)).toContain('/api/v1/files');
    const both = await call(owner, 'upload_file', { name: 'x.txt', content_text: 'a', content_base64: 'YQ==' });
    expect(both.isError).toBe(true);
  });

  it('upload_file without content hands out a single-use upload link that stores the file in the caller tenant', async () => {
    const link = await call(owner, 'upload_file', { name: 'recordings/long-talk.md' });
    expect(link.isError).toBeFalsy();
    const { upload_url: url, method } = link.structuredContent as { upload_url: string; method: string };
    expect(method).toBe('PUT');
    expect(url).toMatch(new RegExp(`^${server.url}/api/v1/uploads/[A-Za-z0-9_-]{32}$`));
    expect(text(link)).toContain(`curl -T '<path to the file>' '${url}'`);

    const put = await fetch(url, { method: 'PUT', headers: { 'content-type': 'text/markdown' }, body: '# Long talk\n\nThe keynote was about tidal energy.' });
    expect(put.status).toBe(202);
    const { file } = (await put.json()) as { file: { id: string; uri: string } };
    expect(file.uri).toBe('recordings/long-talk.md');
    expect((await app.services.files.get(app.owner, file.id)).name).toBe('long-talk.md');
    // Single use: the same link again is refused, as is a made-up one.
    expect((await fetch(url, { method: 'PUT', body: 'again' })).status).toBe(404);
    expect((await fetch(`${server.url}/api/v1/uploads/${'A'.repeat(32)}`, { method: 'PUT', body: 'x' })).status).toBe(404);
  });

  it('errors are tool errors with the message, not protocol failures or stack traces', async () => {
    const missing = await call(owner, 'get_file', { id: randomUUID() });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toMatch(/^file\.not_found: no file /);
    expect(text(missing)).not.toContain('    at ');
  });

  it('a read-only token cannot write', async () => {
    const reader = await connect(await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp, 'vault:read'));
    const res = await call(reader, 'save_memory', { text: 'should not be stored' });
    expect(res.isError).toBe(true);
    expect(text(res)).toContain('vault:write');
  });

  it("a second tenant's token sees nothing of the first tenant", async () => {
    const tenantB = randomUUID();
    const deviceB = randomUUID();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'b')`, [tenantB]);
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'b device', 'mcp')`, [deviceB, tenantB]);
    const b = await connect(await token(tenantB, deviceB, auth.server.resources.mcp));

    const found = await call(b, 'search', { query: 'Zanzibar quokka fig leaves', limit: 10 });
    expect(found.isError).toBeFalsy();
    expect(text(found)).toMatch(/^no results for /);
    expect(text(found)).not.toContain('fig leaves over clover');
    expect((found.structuredContent as { results: unknown[] }).results).toEqual([]);
    const [hit] = (await app.services.search.search(app.owner, { query: 'Zanzibar', mode: 'keyword' })).results;
    const resource = await call(b, 'get_resource', { id: hit?.resource_id });
    expect(resource.isError).toBe(true);
    expect(text(resource)).toContain('not_found');
    const file = await call(b, 'get_file', { id: memory.file_id });
    expect(file.isError).toBe(true);
    expect(text(file)).toContain('not_found');
    expect((await call(b, 'list_files', {})).structuredContent).toMatchObject({ total: 0 });
  });

  it('no token, or a token for the API audience, gets 401 with the MCP resource metadata challenge', async () => {
    const metadata = `${server.url}/.well-known/oauth-protected-resource/api/mcp`;
    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } };
    const post = (headers: Record<string, string>) =>
      fetch(endpoint, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(init) });

    const none = await post({});
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadata}"`);

    const apiToken = await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.api);
    const wrong = await post({ authorization: `Bearer ${apiToken}` });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toBe(`Bearer resource_metadata="${metadata}", error="invalid_token"`);

    // The SDK client surfaces the 401 instead of connecting.
    await expect(connect(apiToken)).rejects.toThrow();

    // The metadata it points at names this endpoint as the resource.
    const doc = (await (await fetch(metadata)).json()) as { resource: string; authorization_servers: string[] };
    expect(doc.resource).toBe(endpoint.href);
    expect(doc.authorization_servers).toEqual([server.url]);
  });

  it('initialize opens a session bound to its token: another tenant cannot use its id, DELETE ends it', async () => {
    const good = await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp);
    const rpc = (accessToken: string, body: unknown, sessionId?: string, method = 'POST') =>
      fetch(endpoint, {
        method,
        headers: {
          'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${accessToken}`,
          'mcp-protocol-version': '2025-06-18', ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
        },
        body: method === 'POST' ? JSON.stringify(body) : undefined,
      });
    const init = await rpc(good, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '0' } } });
    expect(init.status).toBe(200);
    const sessionId = init.headers.get('mcp-session-id');
    expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);
    await init.body?.cancel();
    await (await rpc(good, { jsonrpc: '2.0', method: 'notifications/initialized' }, sessionId ?? '')).body?.cancel();
    const ping = await rpc(good, { jsonrpc: '2.0', id: 2, method: 'ping' }, sessionId ?? '');
    expect(ping.status).toBe(200);
    // Streamed as SSE in a session: the event carries an id, which is what Last-Event-ID resumes from.
    expect(await ping.text()).toMatch(/id: \S+\n[\s\S]*"result":\{\}/);

    const tenantB = randomUUID();
    const deviceB = randomUUID();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'b2')`, [tenantB]);
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'b2 device', 'mcp')`, [deviceB, tenantB]);
    const other = await rpc(await token(tenantB, deviceB, auth.server.resources.mcp), { jsonrpc: '2.0', id: 3, method: 'tools/list' }, sessionId ?? '');
    expect(other.status).toBe(404);
    await other.body?.cancel();
    // The same device with a read-only token cannot ride the session its write token opened.
    const readOnly = await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp, 'vault:read');
    const narrower = await rpc(readOnly, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, sessionId ?? '');
    expect(narrower.status).toBe(404);
    await narrower.body?.cancel();

    expect((await rpc(good, undefined, undefined, 'GET')).status).toBe(400);
    const ended = await rpc(good, undefined, sessionId ?? '', 'DELETE');
    expect(ended.status).toBe(200);
    const after = await rpc(good, { jsonrpc: '2.0', id: 4, method: 'ping' }, sessionId ?? '');
    expect(after.status).toBe(404);
    await after.body?.cancel();
  });

  it('a POST without a session is answered statelessly with JSON', async () => {
    const good = await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp);
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${good}`, 'mcp-protocol-version': '2025-06-18' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { result: { tools: { name: string }[] } };
    expect(body.result.tools.map((t) => t.name)).toContain('search');
  });

  it('refuses a foreign Host or Origin (DNS rebinding), even with a valid token', async () => {
    const good = await token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp);
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' });
    const send = (headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        const req = request(endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${good}`, ...headers },
        }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end(body);
      });
    expect(await send({ host: 'evil.example:80' })).toBe(403);
    expect(await send({ origin: 'http://evil.example' })).toBe(403);
    expect(await send({ host: `localhost:${endpoint.port}` })).not.toBe(403);
  });
});

describe('memoryFile', () => {
  it('names memories by date, slug and content hash, and keeps tags in the body', () => {
    const m = memoryFile('Buy *oat* milk on Friday', undefined, ['shopping list'], new Date('2025-03-04T05:06:07Z'));
    expect(m.path).toMatch(/^memories\/2025-03-04-buy-oat-milk-on-friday-[0-9a-f]{8}\.md$/);
    expect(m.body).toContain('# Buy oat milk on Friday');
    expect(m.body).toContain('Tags: #shopping-list');
    expect(memoryFile('other text', 'Buy oat milk on Friday', [], new Date('2025-03-04T05:06:07Z')).path).not.toBe(m.path);
  });
});
