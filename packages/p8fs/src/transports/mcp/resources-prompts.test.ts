import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../../test/support.js';
import type { App } from '../../app.js';
import { type McpHarness, startMcpHarness } from './mcp.fixture.js';

const promptText = (p: { messages: { content: unknown }[] }) => {
  const c = p.messages[0]?.content as { type?: string; text?: string } | undefined;
  return c?.type === 'text' ? (c.text ?? '') : '';
};

describe('MCP resources and prompts over Streamable HTTP', () => {
  let h: McpHarness;
  let app: App & { dataDir: string };
  let owner: Client;
  let other: Client;
  let fileId: string;
  let resourceId: string;

  const connect = async (tenantId: string, deviceId: string) => h.connect(await h.token(tenantId, deviceId, h.auth.server.resources.mcp));

  beforeAll(async () => {
    h = await startMcpHarness();
    app = h.app;
    owner = await connect(app.config.tenantId, h.auth.ownerDeviceId);

    const tenantB = randomUUID();
    const deviceB = randomUUID();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'b')`, [tenantB]);
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'b device', 'mcp')`, [deviceB, tenantB]);
    other = await connect(tenantB, deviceB);

    const saved = await owner.callTool({ name: 'save_memory', arguments: { text: 'The heron called Pemberton nests by the old mill.', title: 'Heron' } });
    fileId = (saved.structuredContent as { file_id: string }).file_id;
    await waitFor(async () => (await app.services.files.get(app.owner, fileId)).status === 'indexed');
    const [chunk] = await app.services.resources.listForFile(app.owner, fileId);
    resourceId = chunk?.id ?? '';
  });
  afterAll(() => h?.close());

  it('lists the resource templates (files, passages, moments)', async () => {
    const { resourceTemplates } = await owner.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate).sort()).toEqual(['p8fs://files/{id}', 'p8fs://moments/{id}', 'p8fs://resources/{id}']);
    for (const t of resourceTemplates) expect(t.description?.length).toBeGreaterThan(40);
  });

  it("lists the caller's files and their chunks, and nothing of them to another tenant", async () => {
    const { resources } = await owner.listResources();
    const uris = resources.map((r) => r.uri);
    expect(uris).toContain(`p8fs://files/${fileId}`);
    expect(uris).toContain(`p8fs://resources/${resourceId}`);
    const file = resources.find((r) => r.uri === `p8fs://files/${fileId}`);
    expect(file).toMatchObject({ mimeType: 'application/json' });
    expect(file?.description).toMatch(/^indexed, /);
    expect((await other.listResources()).resources).toEqual([]);
  });

  it('reads a file as JSON and a resource as text with provenance', async () => {
    const f = await owner.readResource({ uri: `p8fs://files/${fileId}` });
    const [fc] = f.contents;
    expect(fc?.mimeType).toBe('application/json');
    const dto = JSON.parse((fc as { text: string }).text) as { id: string; status: string; uri: string; tenant_id?: string };
    expect(dto).toMatchObject({ id: fileId, status: 'indexed' });
    expect(dto.uri).toMatch(/^memories\/.*heron.*\.md$/);
    expect(dto.tenant_id).toBeUndefined();

    const r = await owner.readResource({ uri: `p8fs://resources/${resourceId}` });
    const text = (r.contents[0] as { text: string }).text;
    expect(text).toContain('Pemberton nests by the old mill');
    expect(text).toContain(`uri: ${dto.uri}`);
    expect(text).toContain(`file_id: ${fileId}`);
  });

  it("another tenant's ids, and unknown ids, are errors", async () => {
    await expect(other.readResource({ uri: `p8fs://files/${fileId}` })).rejects.toThrow(/file\.not_found/);
    await expect(other.readResource({ uri: `p8fs://resources/${resourceId}` })).rejects.toThrow(/resource\.not_found/);
    await expect(owner.readResource({ uri: `p8fs://files/${randomUUID()}` })).rejects.toThrow(/not_found/);
    await expect(owner.readResource({ uri: 'p8fs://files/not-a-uuid' })).rejects.toThrow(/not_found/);
    await expect(owner.readResource({ uri: 'p8fs://nothing/here' })).rejects.toThrow();
  });

  it('lists and gets the prompts', async () => {
    const { prompts } = await owner.listPrompts();
    expect(prompts.map((p) => p.name).sort()).toEqual(['create_agent', 'summarise_recent']);
    const byName = Object.fromEntries(prompts.map((p) => [p.name, p]));
    expect(byName.summarise_recent?.arguments).toEqual([expect.objectContaining({ name: 'days', required: false })]);
    expect(byName.create_agent?.arguments).toEqual([expect.objectContaining({ name: 'purpose', required: true })]);

    const week = await owner.getPrompt({ name: 'summarise_recent', arguments: {} });
    const weekText = promptText(week);
    expect(week.messages[0]?.role).toBe('user');
    expect(weekText).toContain('last 7 days');
    expect(weekText).toContain('list_files');
    expect(weekText).toContain('search');
    const three = await owner.getPrompt({ name: 'summarise_recent', arguments: { days: '3' } });
    expect(promptText(three)).toContain('last 3 days');
    await expect(owner.getPrompt({ name: 'summarise_recent', arguments: { days: 'lots' } })).rejects.toThrow();

    const agent = await owner.getPrompt({ name: 'create_agent', arguments: { purpose: 'triage my inbox each morning' } });
    const agentText = promptText(agent);
    expect(agentText).toContain('triage my inbox each morning');
    expect(agentText).toContain('p8-type: agent');
    await expect(owner.getPrompt({ name: 'create_agent', arguments: {} })).rejects.toThrow();
  });
});
