import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support.js';
import { type McpHarness, startMcpHarness } from './mcp.fixture.js';

// The P5 tools through a real SDK client over Streamable HTTP with OAuth tokens: lookup, traverse,
// rem_query, list_moments and the moment resources, each scoped to the token's tenant.
describe('MCP graph, REM and moment tools', () => {
  let h: McpHarness;
  let owner: Client;
  let other: Client;
  const call = async (c: Client, name: string, args: Record<string, unknown>) => (await c.callTool({ name, arguments: args })) as CallToolResult;
  const text = (r: CallToolResult) => r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

  beforeAll(async () => {
    h = await startMcpHarness();
    const { app, auth } = h;
    owner = await h.connect(await h.token(app.config.tenantId, auth.ownerDeviceId, auth.server.resources.mcp));
    const tenantB = randomUUID();
    const deviceB = randomUUID();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'b')`, [tenantB]);
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'b device', 'mcp')`, [deviceB, tenantB]);
    other = await h.connect(await h.token(tenantB, deviceB, auth.server.resources.mcp));

    const saved = await call(owner, 'save_memory', {
      text: 'Lunch with Sarah Chen about the Q4 roadmap; she will own the pricing page.', title: 'Lunch with Sarah',
      links: [{ to: 'Sarah Chen', rel: 'met_with' }, { to: 'Q4 Roadmap', rel: 'about' }],
    });
    expect(saved.isError, text(saved)).toBeFalsy();
    const fileId = (saved.structuredContent as { file_id: string }).file_id;
    await waitFor(async () => (await app.services.files.get(app.owner, fileId)).status === 'indexed');
    await app.services.moments.create(app.owner, {
      name: 'Pricing workshop', moment_type: 'meeting', starts_at: '2026-11-20T10:00:00Z', ends_at: '2026-11-20T11:00:00Z',
      present_persons: [{ name: 'Sarah Chen' }], topic_tags: ['pricing'], summary: 'We agreed on three tiers.',
    });
  }, 120_000);
  afterAll(() => h?.close());

  it('lookup finds the memory by title and the person it links to', async () => {
    const res = await call(owner, 'lookup', { labels: ['Lunch with Sarah', 'sarah chen'] });
    expect(res.isError, text(res)).toBeFalsy();
    const nodes = (res.structuredContent as { nodes: { label: string; table: string }[] }).nodes;
    expect(nodes.map((n) => n.label)).toEqual(expect.arrayContaining(['Lunch with Sarah', 'Sarah Chen']));
    expect(text(res)).toMatch(/^2 nodes/);
  });

  it('traverse walks from the memory to Sarah and on to the moment she was present at', async () => {
    const res = await call(owner, 'traverse', { start: 'Lunch with Sarah', depth: 2, direction: 'both' });
    expect(res.isError, text(res)).toBeFalsy();
    const labels = (res.structuredContent as { nodes: { label: string }[] }).nodes.map((n) => n.label);
    expect(labels).toEqual(expect.arrayContaining(['Sarah Chen', 'Q4 Roadmap', 'Pricing workshop']));
    expect(text(res)).toContain('met_with');
    const plan = await call(owner, 'traverse', { start: 'Sarah Chen', plan: true });
    expect(text(plan)).toMatch(/inv-met_with|met_with/);
    const both = await call(owner, 'traverse', { start: 'x', start_search: 'y' });
    expect(both.isError).toBe(true);
  });

  it('rem_query runs REM text, and SQL sees only this vault', async () => {
    const fuzzy = await call(owner, 'rem_query', { query: 'FUZZY sara chen' });
    expect(text(fuzzy)).toContain('Sarah Chen');
    const count = await call(owner, 'rem_query', { query: "SELECT count(*) AS n FROM moments WHERE 'pricing' = ANY(topic_tags)" });
    expect((count.structuredContent as { rows: { n: unknown }[] }).rows[0]?.n).toBe(1);
    const theirs = await call(other, 'rem_query', { query: 'SELECT count(*) AS n FROM moments' });
    expect((theirs.structuredContent as { rows: { n: unknown }[] }).rows[0]?.n).toBe(0);
    const write = await call(owner, 'rem_query', { query: 'DELETE FROM moments' });
    expect(write.isError).toBe(true);
    expect(text(write)).toMatch(/^rem\.(not_allowed|syntax)/);
  });

  it('list_moments filters by person and the moment reads as a resource; another tenant sees none', async () => {
    const res = await call(owner, 'list_moments', { person: 'sarah chen' });
    expect(text(res)).toMatch(/^1 moment/);
    expect(text(res)).toContain('Pricing workshop (meeting, 2026-11-20T10:00:00');
    const id = (res.structuredContent as { moments: { id: string }[] }).moments[0]?.id as string;
    const read = await owner.readResource({ uri: `p8fs://moments/${id}` });
    expect((read.contents[0] as { text: string }).text).toContain('We agreed on three tiers.');
    const listed = await owner.listResources();
    expect(listed.resources.map((r) => r.uri)).toContain(`p8fs://moments/${id}`);

    expect(text(await call(other, 'list_moments', {}))).toBe('no moments match');
    await expect(other.readResource({ uri: `p8fs://moments/${id}` })).rejects.toThrow(/not_found/);
    expect(text(await call(other, 'lookup', { labels: ['Sarah Chen'] }))).toBe('no nodes found');
  });
});
