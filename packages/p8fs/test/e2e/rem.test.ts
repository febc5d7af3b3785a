import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type RemResult, RemResult as RemResultSchema } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, BIN, cleanup, ownerFetch, p8fs, Running, tempDir, vaultEnv } from './cli.js';

const VAULT = fileURLToPath(new URL('../fixtures/rem-vault', import.meta.url));

/** What each statement must answer over the fixture vault (people, projects, notes, an engram, an e-mail, an agent). */
interface Expectation {
  query: string;
  kind: RemResult['kind'];
  check: (r: RemResult) => void;
}

const labels = (r: RemResult) => (r.nodes ?? []).map((n) => n.label);
const viaOf = (r: RemResult, label: string) => (r.nodes ?? []).find((n) => n.label === label)?.via?.rel;

const EXPECTED: Expectation[] = [
  { query: 'LOOKUP "Sarah Chen"', kind: 'lookup', check: (r) => {
    expect(r.nodes?.map((n) => [n.table, n.label])).toEqual([['files', 'Sarah Chen']]);
    expect(r.nodes?.[0]?.uri).toMatch(/people\/Sarah Chen\.md$/);
  } },
  { query: 'GET "sarah  CHEN", Lisbon, agents:travel-planner', kind: 'lookup', check: (r) => {
    expect(r.nodes?.map((n) => `${n.table}:${n.label}:${n.type}`)).toEqual(['files:Sarah Chen:text/markdown', 'entities:Lisbon:place', 'agents:travel-planner:agent']);
  } },
  { query: 'FUZZY "sara chen"', kind: 'fuzzy', check: (r) => {
    expect(r.nodes?.[0]?.label).toBe('Sarah Chen');
    expect(r.nodes?.[0]?.score).toBeGreaterThan(0.5);
  } },
  { query: 'SEARCH "pricing tiers annual discount" LIMIT 3', kind: 'search', check: (r) => {
    expect(r.nodes?.[0]?.uri).toMatch(/notes\/Pricing Page\.md#chunk=0$/);
    expect(r.nodes?.length).toBeLessThanOrEqual(3);
  } },
  { query: 'SEARCH "grilled sardines" IN moments', kind: 'search', check: (r) => {
    expect(labels(r)).toEqual(['Dinner at Alfama']);
  } },
  { query: "SELECT name, location FROM moments WHERE 'food' = ANY(topic_tags) ORDER BY starts_at", kind: 'sql', check: (r) => {
    expect(r.rows).toEqual([{ name: 'Dinner at Alfama', location: 'Alfama, Lisbon' }]);
  } },
  { query: 'SELECT rel_type, count(*)::int AS n FROM edges WHERE dst_label = \'Sarah Chen\' GROUP BY rel_type ORDER BY rel_type', kind: 'sql', check: (r) => {
    expect(r.rows).toEqual([{ rel_type: 'owner', n: 1 }, { rel_type: 'present', n: 1 }, { rel_type: 'sent_to', n: 1 }, { rel_type: 'travelled_with', n: 1 }]);
  } },
  { query: 'TRAVERSE WITH LOOKUP "Sarah Chen" DEPTH 1 DIRECTION in', kind: 'traverse', check: (r) => {
    expect(labels(r).sort()).toEqual(['Dinner at Alfama', 'Lisbon trip', 'Offsite planning', 'Q4 Roadmap', 'Sarah Chen']);
    // Inbound steps are reported as the inverse edge (DOMAIN: inv-<rel>).
    expect(viaOf(r, 'Offsite planning')).toBe('inv-sent_to');
    expect(r.stages?.at(-1)?.memo).toMatch(/^depth 1: followed 4 edges/);
  } },
  { query: 'TRAVERSE [sent_to] WITH LOOKUP "Sarah Chen" DIRECTION in', kind: 'traverse', check: (r) => {
    expect(labels(r)).toEqual(['Sarah Chen', 'Offsite planning']);
    expect(r.edges).toEqual([{ src: 'Sarah Chen', rel: 'inv-sent_to', dst: 'Offsite planning', direction: 'in' }]);
  } },
  { query: 'TRAVERSE WITH LOOKUP "Lisbon trip" DEPTH 2 DIRECTION out', kind: 'traverse', check: (r) => {
    expect(labels(r)).toEqual(expect.arrayContaining(['Lisbon', 'Sarah Chen', 'Q4 Roadmap', 'Pricing Page']));
    expect((r.nodes ?? []).find((n) => n.label === 'Q4 Roadmap')?.depth).toBe(2);
  } },
  { query: 'TRAVERSE PLAN WITH LOOKUP "Sarah Chen" DIRECTION both', kind: 'plan', check: (r) => {
    const h = Object.fromEntries((r.plan?.histogram ?? []).map((e) => [e.rel, e.count]));
    expect(h).toMatchObject({ 'inv-sent_to': 1, 'inv-travelled_with': 1, works_on: 1, tagged: 2 });
  } },
];

// The fixture vault through a real `p8fs serve`: each statement over HTTP, the CLI and MCP gives the
// expected answer, and the three agree.
describe('REM over a fixture vault: API, CLI and MCP', () => {
  let dir: string;
  let server: Running;
  let url: string;
  let api: (input: string, init?: RequestInit) => Promise<Response>;
  let mcp: Client;

  beforeAll(async () => {
    assertBuilt();
    dir = tempDir('rem');
    const env = vaultEnv(dir);
    server = new Running(['serve', '--port', '0', '--workers', '2'], env);
    url = await server.listening();
    const ingest = await p8fs(['ingest', VAULT, '-r', '--wait'], env, 180_000);
    expect(ingest.code, ingest.stderr).toBe(0);
    api = await ownerFetch(env);
    mcp = new Client({ name: 'rem-e2e', version: '0' });
    await mcp.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], env: env as Record<string, string>, stderr: 'pipe' }));
  }, 300_000);
  afterAll(async () => {
    await mcp?.close();
    await server?.stop('SIGKILL');
    cleanup(dir);
  });

  it.each(EXPECTED.map((e) => [e.query, e] as const))('%s', async (_q, e) => {
    const res = await api(`${url}/api/v1/rem/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: e.query }) });
    expect(res.status).toBe(200);
    const viaApi = RemResultSchema.parse(await res.json());
    expect(viaApi.kind).toBe(e.kind);
    e.check(viaApi);

    const cli = await p8fs(['rem', e.query, '--json'], vaultEnv(dir));
    expect(cli.code, cli.stderr).toBe(0);
    const viaCli = RemResultSchema.parse(JSON.parse(cli.stdout));
    e.check(viaCli);

    const tool = (await mcp.callTool({ name: 'rem_query', arguments: { query: e.query } })) as CallToolResult;
    expect(tool.isError, JSON.stringify(tool.content)).toBeFalsy();
    const viaMcp = RemResultSchema.parse(tool.structuredContent);
    e.check(viaMcp);
    const strip = (r: RemResult) => ({ ...r, took_ms: 0 });
    expect(strip(viaCli)).toEqual(strip(viaApi));
    expect(strip(viaMcp)).toEqual(strip(viaApi));
  }, 60_000);

  it('refuses injections with clear errors on every surface', async () => {
    // [statement, the API's error code, what the CLI's message says]
    const attempts: Array<[string, RegExp, RegExp]> = [
      ['SELECT * FROM public.files', /rem\.not_allowed/, /schema-qualified table public\.files/],
      ['SELECT 1; DROP TABLE files', /rem\.not_allowed/, /exactly one SELECT statement is allowed, found 2/],
      ["SELECT pg_read_file('/etc/passwd')", /rem\.not_allowed/, /pg_read_file/],
      ['TRAVERSE WITH LOOKUP x DEPTH 50', /rem\.limit/, /DEPTH/],
      ['LOOKUP', /rem\.syntax/, /expected/],
    ];
    for (const [query, code, message] of attempts) {
      const res = await api(`${url}/api/v1/rem/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      expect(res.status, query).toBe(400);
      expect(await res.text()).toMatch(code);
      const cli = await p8fs(['rem', query], vaultEnv(dir));
      expect(cli.code, query).toBe(2);
      expect(cli.stderr).toMatch(message);
      const tool = (await mcp.callTool({ name: 'rem_query', arguments: { query } })) as CallToolResult;
      expect(tool.isError).toBe(true);
    }
  }, 120_000);
});
