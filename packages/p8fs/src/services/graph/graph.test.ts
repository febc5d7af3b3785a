import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../../test/support.js';
import type { App } from '../../app.js';
import { ownerActor } from '../../domain/actor.js';
import type { GraphNode } from './types.js';

// An Obsidian-like mini vault through the real pipeline (inline parser, PGlite): the links
// deriver writes edges, the label triggers index the notes, REM's calls walk them.
const VAULT: Record<string, string> = {
  'Project Alpha.md': `---\ntags: [project, q4]\nowner: "[[Sarah Chen]]"\nrelated: [[Roadmap]]\n---\n# Project Alpha\n\nKickoff with [[Sarah Chen|Sarah]] and [Bob](people/Bob%20Lee.md). #planning\n\n\`\`\`\n[[Not A Link]]\n\`\`\`\n`,
  'Sarah Chen.md': `# Sarah Chen\n\nLeads [[Project Alpha#Goals]]. Reports to [[Dana Fox]].\n`,
  'Bob Lee.md': `# Bob Lee\n\nWorks on [[Roadmap]].\n`,
  'Roadmap.md': `# Roadmap\n\nQ4 plan, see [[Project Alpha]].\n`,
};
const EML = [
  'From: Sarah Chen <sarah@example.com>', 'To: Bob Lee <bob@example.com>, dana@example.com', 'Subject: Alpha budget',
  'Date: Tue, 1 Oct 2024 10:00:00 +0000', 'Message-ID: <a1@example.com>', 'Content-Type: text/plain', '', 'Budget approved.', '',
].join('\r\n');

describe('knowledge graph over an ingested vault', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');
  const graph = () => app.services.graph;

  const ingest = async (name: string, content: string, actor = alice) => {
    const r = await app.services.files.create(actor, { name, uri: `/vault/${name}` }, Readable.from([Buffer.from(content)]));
    return waitFor(async () => {
      const f = await app.services.files.get(actor, r.file.id);
      return (f.status === 'indexed' || f.status === 'failed') && f.content_hash === r.file.content_hash ? f : null;
    });
  };
  const one = async (label: string, actor = alice): Promise<GraphNode> => {
    const [n] = await graph().lookup(actor, [{ label }]);
    if (!n) throw new Error(`no node ${label}`);
    return n;
  };
  const labels = (ns: GraphNode[]) => ns.map((n) => n.label).sort();
  const walk = async (from: string, depth: number, direction: 'out' | 'in' | 'both' = 'out', relTypes: string[] = [], limit = 50) =>
    graph().traverse(alice, { from: [await one(from)], relTypes, depth, direction, limit });

  beforeAll(async () => {
    app = await createTestApp();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    app.pool.start();
    for (const [name, text] of Object.entries(VAULT)) await ingest(name, text);
  }, 60_000);
  afterAll(() => app.close());

  it('LOOKUP finds a note by its name, stem or title; entities stand in for unwritten notes', async () => {
    const [n] = await graph().lookup(alice, [{ label: 'sarah chen' }]);
    expect(n).toMatchObject({ table: 'files', label: 'Sarah Chen', uri: '/vault/Sarah Chen.md' });
    const many = await graph().lookup(alice, [{ label: 'Roadmap.md' }, { label: 'Dana Fox' }, { label: 'nobody' }, { label: 'ROADMAP' }]);
    expect(many.map((x) => [x.table, x.label])).toEqual([['files', 'Roadmap'], ['entities', 'Dana Fox']]);
    expect(await graph().lookup(alice, [{ label: 'Roadmap', table: 'moments' }])).toEqual([]);
  });

  it('turns wikilinks, Markdown links, tags and frontmatter relations into edges', async () => {
    const edges = await graph().edgesOf(alice, [await one('Project Alpha')], 'out');
    expect(edges.map((e) => `${e.rel} ${e.dst} (${e.origin})`).sort()).toEqual([
      'links_to Bob Lee (markdown)', 'links_to Sarah Chen (markdown)', 'owner Sarah Chen (frontmatter)', 'related Roadmap (frontmatter)',
      'tagged #planning (markdown)', 'tagged #project (frontmatter)', 'tagged #q4 (frontmatter)',
    ]);
    expect((await one('#planning')).type).toBe('tag');
  });

  it('walks out, in and both ways, one hop per depth, with memos', async () => {
    const d1 = await walk('Project Alpha', 1, 'out', ['links_to']);
    expect(labels(d1.nodes)).toEqual(['Bob Lee', 'Sarah Chen']);
    expect(d1.stages[0]!.memo).toBe('depth 1: followed 2 edges (links_to ×2) from 1 node to 2 new nodes');
    const d2 = await walk('Project Alpha', 2, 'out', ['links_to']);
    expect(labels(d2.nodes)).toEqual(['Bob Lee', 'Dana Fox', 'Roadmap', 'Sarah Chen']);
    expect(d2.nodes.find((n) => n.label === 'Dana Fox')).toMatchObject({ depth: 2, via: { from: 'Sarah Chen', rel: 'links_to', direction: 'out' } });
    const inbound = await walk('Roadmap', 1, 'in');
    expect(labels(inbound.nodes)).toEqual(['Bob Lee', 'Project Alpha']);
    expect(inbound.edges.map((e) => e.rel).sort()).toEqual(['inv-links_to', 'inv-related']);
    const both = await walk('Sarah Chen', 1, 'both', ['links_to', 'owner']);
    expect(labels(both.nodes)).toEqual(['Dana Fox', 'Project Alpha']);
  });

  it('terminates on cycles, truncates at the limit and plans without walking', async () => {
    const cyc = await walk('Roadmap', 3, 'out', ['links_to']);
    expect(labels(cyc.nodes)).toEqual(['Bob Lee', 'Dana Fox', 'Project Alpha', 'Sarah Chen']);
    expect(cyc.edges).toContainEqual({ src: 'Bob Lee', rel: 'links_to', dst: 'Roadmap', direction: 'out' });
    const capped = await walk('Project Alpha', 3, 'out', [], 3);
    expect(capped.nodes).toHaveLength(3);
    expect(capped.truncated).toBe(true);
    expect(capped.stages.at(-1)!.memo).toMatch(/stopped at the limit of 3 nodes/);
    const plan = await graph().plan(alice, [await one('Project Alpha')], [], 'both');
    const row = (rel: string) => plan.histogram.find((h) => h.rel === rel);
    expect(row('tagged')).toMatchObject({ direction: 'out', count: 3 });
    expect(row('tagged')!.samples).toHaveLength(3);
    expect(row('inv-links_to')).toMatchObject({ direction: 'in', count: 2 });
    expect(row('has_chunk')!.count).toBeGreaterThan(0);
  });

  it('replaces a changed note\'s edges and drops a deleted note\'s', async () => {
    await ingest('Bob Lee.md', '# Bob Lee\n\nNow on [[Project Alpha]].\n');
    const out = await graph().edgesOf(alice, [await one('Bob Lee')], 'out');
    expect(out.map((e) => e.dst)).toEqual(['Project Alpha']);
    const f = await one('Bob Lee');
    await app.services.files.delete(alice, f.id);
    expect(await graph().edgesOf(alice, [await one('Project Alpha')], 'in').then((es) => es.filter((e) => e.src === 'Bob Lee'))).toEqual([]);
    // The link to Bob from Project Alpha now lands on a lightweight entity.
    expect(await one('Bob Lee')).toMatchObject({ table: 'entities', type: 'entity' });
  });

  it('gives an e-mail sent_by / sent_to person nodes, walkable from the person', async () => {
    await ingest('budget.eml', EML);
    const mail = await graph().edgesOf(alice, [await one('Alpha budget')], 'out');
    expect(mail.map((e) => `${e.rel} ${e.dst} ${String(e.properties.email)}`).sort()).toEqual([
      'sent_by Sarah Chen sarah@example.com', 'sent_to Bob Lee bob@example.com', 'sent_to dana@example.com dana@example.com',
    ]);
    expect((await one('dana@example.com')).type).toBe('person');
    const fromSarah = await walk('Sarah Chen', 1, 'in', ['sent_by']);
    expect(fromSarah.nodes.map((n) => [n.label, n.via?.rel])).toEqual([['Alpha budget', 'inv-sent_by']]);
  });

  it('follows archive membership and chunk provenance as virtual edges', async () => {
    const parent = await one('Roadmap');
    const memberId = (await one('Sarah Chen')).id;
    await app.db.query(`UPDATE files SET parent_id = $1, depth = 1 WHERE id = $2`, [parent.id, memberId]);
    const members = await walk('Roadmap', 1, 'out', ['contains']);
    expect(members.nodes.map((n) => n.label)).toEqual(['Sarah Chen']);
    const up = await walk('Sarah Chen', 1, 'out', ['member_of']);
    expect(up.nodes.map((n) => n.label)).toEqual(['Roadmap']);
    const [chunk] = await app.services.resources.listForFile(alice, parent.id);
    const node: GraphNode = { table: 'resources', id: chunk!.id, label: chunk!.name, type: 'document' };
    const res = await graph().traverse(alice, { from: [node], relTypes: [], depth: 2, direction: 'out', limit: 10 });
    expect(res.nodes[0]).toMatchObject({ label: 'Roadmap', via: { rel: 'chunk_of' } });
    expect(labels(res.nodes)).toContain('Project Alpha');
    const chunks = await walk('Roadmap', 1, 'out', ['has_chunk']);
    expect(chunks.nodes.map((n) => n.id)).toEqual([chunk!.id]);
  });

  it('FUZZY finds labels by trigram similarity, exact first', async () => {
    const hits = await graph().fuzzy(alice, 'sara chen');
    expect(hits[0]).toMatchObject({ label: 'Sarah Chen' });
    await graph().addEdges(alice, [{ src: 'Sarah Chen Notes', rel: 'about', dst: 'Sarah Chen' }]);
    const exact = await graph().fuzzy(alice, 'Sarah Chen', { limit: 5 });
    expect(exact[0]).toMatchObject({ label: 'Sarah Chen', score: 1 });
    expect(exact.map((h) => h.label)).toContain('Sarah Chen Notes');
    expect(exact[0]!.score).toBeGreaterThan(exact.find((h) => h.label === 'Sarah Chen Notes')!.score);
    expect(await graph().removeEdge(alice, 'sarah chen notes', 'about', 'SARAH CHEN')).toBe(true);
  });

  it('keeps tenants apart: no lookup, fuzzy, traverse or edge resolution across them', async () => {
    expect(await graph().lookup(bob, [{ label: 'Sarah Chen' }, { label: 'Project Alpha' }])).toEqual([]);
    expect(await graph().fuzzy(bob, 'sarah chen')).toEqual([]);
    const alpha = await one('Project Alpha');
    const stolen = await graph().traverse(bob, { from: [alpha], relTypes: [], depth: 3, direction: 'both', limit: 50 });
    expect(stolen.nodes).toEqual([]);
    expect(await graph().edgesOf(bob, [alpha], 'both')).toEqual([]);
    // Bob's edge to a label Alice's vault carries resolves to Bob's own entity, never to her note.
    await graph().addEdges(bob, [{ src: 'Bob Diary', rel: 'mentions', dst: 'Project Alpha' }]);
    const res = await graph().traverse(bob, { from: [await one('Bob Diary', bob)], relTypes: [], depth: 2, direction: 'out', limit: 50 });
    expect(res.nodes.map((n) => [n.table, n.label])).toEqual([['entities', 'Project Alpha']]);
    expect(res.nodes[0]!.id).not.toBe(alpha.id);
  });
});
