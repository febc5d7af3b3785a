import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RemNode, RemResult } from '@p8fs/contracts';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { REM_DIRECTIONS, REM_LIMITS, REM_NODE_TABLES, REM_SYNTAX } from '../../domain/rem/ast.js';
import { guard, ok } from './result.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const EXCERPT_CHARS = 240;

/** rem_query, lookup and traverse: the REM query model over the actor's vault (knowledge graph, SQL, search). */
export function registerRemTools(server: McpServer, app: App, actor: Actor): void {
  const { rem } = app.services;
  const answer = (res: RemResult) => ok(remText(res), { ...res });

  server.registerTool('rem_query', {
    title: 'Run a REM query',
    description:
      "Query the user's vault with REM, its query language, when search alone is not enough: exact lookups by name, fuzzy name " +
      'matching, graph walks between people, notes, documents and moments, or read-only SQL for counts, dates and lists. ' +
      `Forms:\n${REM_SYNTAX}\nSQL sees the tables resources, files, moments, agents, entities, edges and labels of this vault only.`,
    inputSchema: {
      query: z.string().trim().min(1).max(8000).describe('one REM statement, e.g. TRAVERSE WITH LOOKUP "Sarah Chen" DEPTH 2'),
      limit: z.number().int().min(1).max(1000).optional().describe('row cap for SQL (default 100)'),
    },
    annotations: READ_ONLY,
  }, (args, extra) => guard(app.log, 'rem_query', async () =>
    answer(await rem.query(actor, args.query, { ask: false, signal: extra.signal, ...(args.limit ? { limit: args.limit } : {}) }))));

  server.registerTool('lookup', {
    title: 'Look up by name',
    description:
      'Find the notes, documents, people, moments, tags or agents with exactly these names (case and spacing do not matter), ' +
      'e.g. a person, a project or a note title the user mentions. Faster and more precise than search when the name is known.',
    inputSchema: {
      labels: z.array(z.string().trim().min(1).max(500)).min(1).max(REM_LIMITS.lookupKeys).describe('names to find, e.g. ["Sarah Chen", "Q4 Roadmap"]'),
      table: z.enum(REM_NODE_TABLES).optional().describe('only nodes of this kind'),
    },
    annotations: READ_ONLY,
  }, (args, extra) => guard(app.log, 'lookup', async () =>
    answer(await rem.execute(actor, { kind: 'lookup', keys: args.labels.map((label) => ({ label, ...(args.table ? { table: args.table } : {}) })) }, { signal: extra.signal }))));

  server.registerTool('traverse', {
    title: 'Walk the knowledge graph',
    description:
      "Follow links from a starting point through the user's knowledge graph: who a person is connected to, what links to a note, " +
      'which documents mention a project, what a moment was part of. Edges come from wikilinks and Markdown links, tags, e-mail ' +
      'senders and recipients, document authors, archive membership, engrams and moments. Start by name (start) or by a search ' +
      '(start_search). With plan=true it only counts the edge types around the start, to choose rel_types before walking.',
    inputSchema: {
      start: z.string().trim().min(1).max(500).optional().describe('the name of the starting node (exact, like lookup)'),
      start_search: z.string().trim().min(1).max(2000).optional().describe('or: a search whose best hits are the starting nodes'),
      rel_types: z.array(z.string().trim().min(1).max(100)).max(50).default([]).describe('edge types to follow, e.g. ["links_to", "sent_by"]; empty = all'),
      depth: z.number().int().min(1).max(REM_LIMITS.depth.max).default(1).describe('hops, 1-5'),
      direction: z.enum(REM_DIRECTIONS).default('both').describe('out (what it links to), in (what links to it), or both'),
      limit: z.number().int().min(1).max(REM_LIMITS.traverse.max).default(REM_LIMITS.traverse.default).describe('most nodes returned'),
      plan: z.boolean().default(false).describe('only show the edge types around the start, with counts and examples'),
    },
    annotations: READ_ONLY,
  }, (args, extra) => guard(app.log, 'traverse', async () => {
    if (!args.start === !args.start_search) return { content: [{ type: 'text', text: 'validation_failed: give exactly one of start or start_search' }], isError: true };
    const entry = args.start
      ? { kind: 'lookup' as const, keys: [{ label: args.start }] }
      : { kind: 'search' as const, text: args.start_search ?? '', limit: REM_LIMITS.traverseEntry.default };
    return answer(await rem.execute(actor, {
      kind: 'traverse', plan: args.plan, relTypes: args.rel_types, entry, depth: args.depth, direction: args.direction, limit: args.limit,
    }, { signal: extra.signal }));
  }));
}

/** A REM result as compact text a model can read and cite: numbered nodes with provenance, memos, edges. */
export function remText(res: RemResult): string {
  const out: string[] = [];
  if (res.kind === 'sql') {
    const rows = res.rows ?? [];
    out.push(`${rows.length} row${rows.length === 1 ? '' : 's'}${res.truncated ? ' (cut at the cap)' : ''}`);
    for (const r of rows) out.push(JSON.stringify(r));
    return out.join('\n');
  }
  if (res.kind === 'plan') {
    out.push(`start: ${(res.plan?.entry ?? []).map((n) => `${n.label} [${n.table}]`).join(', ') || 'nothing found'}`);
    const h = res.plan?.histogram ?? [];
    out.push(h.length ? 'edges around it:' : 'no edges around it');
    for (const e of h) out.push(`- ${e.rel} (${e.direction}) ×${e.count}: ${e.samples.join(', ')}`);
    return out.join('\n');
  }
  const nodes = res.nodes ?? [];
  out.push(nodes.length ? `${nodes.length} node${nodes.length === 1 ? '' : 's'}${res.truncated ? ' (cut at the limit)' : ''}` : 'no nodes found');
  for (const [i, n] of nodes.entries()) out.push(nodeText(n, i + 1));
  for (const s of res.stages ?? []) out.push(`· ${s.memo}`);
  const edges = res.edges ?? [];
  if (edges.length) out.push(`edges: ${edges.slice(0, 50).map((e) => `${e.src} -${e.rel}-> ${e.dst}`).join('; ')}${edges.length > 50 ? ` (+${edges.length - 50})` : ''}`);
  return out.join('\n');
}

function nodeText(n: RemNode, i: number): string {
  const how = n.via ? ` (depth ${n.depth}, ${n.via.direction === 'in' ? `inv-${n.via.rel}` : n.via.rel} from ${n.via.from})` : '';
  const score = n.score !== undefined ? ` score ${n.score.toFixed(2)}` : '';
  const lines = [`${i}. ${n.label} [${n.table}: ${n.type}]${how}${score}`, `   id: ${n.id}${n.uri ? `  source: ${n.uri}` : ''}`];
  const text = n.summary ?? n.excerpt;
  if (text) lines.push(`   ${text.replace(/\s+/g, ' ').slice(0, EXCERPT_CHARS)}`);
  return lines.join('\n');
}
