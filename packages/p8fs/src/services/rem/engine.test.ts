import { TenantGate } from '../tenant-gate.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../test/support.js';
import type { App } from '../../app.js';
import { ownerActor } from '../../domain/actor.js';
import type { QueryPlanner } from '../../ports/query-planner.js';
import { RemService } from './engine.js';

// A small vault: notes (labelled, keyword-searchable at once) and user-written edges, plus a second
// tenant with the same labels, whose nodes and edges must never show up.
describe('RemService on PGlite', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');
  const rem = (q: string, opts = {}) => app.services.rem.query(alice, q, opts);

  beforeAll(async () => {
    app = await createTestApp();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    const notes = [
      { name: 'Sarah Chen', content: 'Sarah leads the budget review and the alpha project.' },
      { name: 'Project Alpha', content: 'Alpha budget approved; kickoff in October.' },
      { name: 'Roadmap', content: 'The roadmap lists the budget for every quarter, budget by budget.' },
      { name: 'Garden', content: 'Tomatoes went into the raised bed; no budget needed.' },
      { name: 'Lisbon trip', content: 'Flight on Friday, a budget hotel in Alfama.' },
      { name: 'Offsite', content: 'Team offsite to plan the budget.', category: 'moment' },
    ];
    await app.services.resources.writeSequence(alice, notes);
    await app.services.graph.addEdges(alice, [
      { src: 'Sarah Chen', rel: 'leads', dst: 'Project Alpha' },
      { src: 'Project Alpha', rel: 'part_of', dst: 'Roadmap' },
      { src: 'Bob Lee', rel: 'works_on', dst: 'Roadmap', dstType: 'person' },
    ]);
    await app.services.resources.writeSequence(bob, [{ name: 'Sarah Chen', content: 'SECRET budget of bob' }]);
    await app.services.graph.addEdges(bob, [{ src: 'Sarah Chen', rel: 'leads', dst: 'Bob Secret Project' }]);
  }, 60_000);
  afterAll(() => app?.close());

  it('LOOKUP returns the caller nodes by label, any case, several at once', async () => {
    const r = await rem('GET "sarah chen", roadmap, nobody');
    expect(r).toMatchObject({ kind: 'lookup', query: 'GET "sarah chen", roadmap, nobody', truncated: false });
    expect(r.nodes?.map((n) => [n.table, n.label])).toEqual([['resources', 'Sarah Chen'], ['resources', 'Roadmap']]);
    expect(JSON.stringify(r)).not.toContain('SECRET');
    expect((await rem('LOOKUP moments:Sarah Chen')).nodes).toEqual([]);
  });

  it('FUZZY finds near labels with a similarity score', async () => {
    const r = await rem('FUZZY sara chen LIMIT 3');
    expect(r.kind).toBe('fuzzy');
    expect(r.nodes?.[0]).toMatchObject({ label: 'Sarah Chen' });
    expect(r.nodes?.[0]?.score).toBeGreaterThan(0.3);
    expect((await rem('FUZZY "sara chen" THRESHOLD 0.99')).nodes).toEqual([]);
  });

  it('SEARCH scores 0..1 and THRESHOLD really filters', async () => {
    const all = (await rem('SEARCH "budget" LIMIT 20')).nodes ?? [];
    expect(all.length).toBeGreaterThanOrEqual(5);
    const scores = all.map((n) => n.score as number);
    expect(scores.every((s) => s > 0 && s <= 1)).toBe(true);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const kept = (await rem('SEARCH "budget" LIMIT 20 THRESHOLD 0.6')).nodes ?? [];
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(all.length);
    expect(kept).toEqual(all.filter((n) => (n.score as number) >= 0.6));
    expect(JSON.stringify(all)).not.toContain('SECRET');
  });

  it('SEARCH IN moments searches the moment mirrors only', async () => {
    const r = await rem('SEARCH budget IN moments');
    expect(r.nodes?.map((n) => [n.label, n.type])).toEqual([['Offsite', 'moment']]);
  });

  it('TRAVERSE walks out from a LOOKUP with stage memos and edges', async () => {
    const r = await rem('TRAVERSE WITH LOOKUP Sarah Chen DEPTH 2');
    expect(r.kind).toBe('traverse');
    expect(r.nodes?.map((n) => [n.label, n.depth])).toEqual([['Sarah Chen', 0], ['Project Alpha', 1], ['Roadmap', 2]]);
    expect(r.edges).toEqual([
      { src: 'Sarah Chen', rel: 'leads', dst: 'Project Alpha', direction: 'out' },
      { src: 'Project Alpha', rel: 'part_of', dst: 'Roadmap', direction: 'out' },
    ]);
    expect(r.stages?.map((s) => s.depth)).toEqual([0, 1, 2]);
    expect(r.stages?.[1]?.memo).toContain('leads');
    expect(JSON.stringify(r)).not.toContain('Secret');
  });

  it('TRAVERSE follows only the named edge types, inbound too', async () => {
    const r = await rem('TRAVERSE [works_on] WITH LOOKUP Roadmap DIRECTION in');
    expect(r.nodes?.map((n) => n.label)).toEqual(['Roadmap', 'Bob Lee']);
    const none = await rem('TRAVERSE [works_on] WITH LOOKUP Sarah Chen DEPTH 3');
    expect(none.nodes?.map((n) => n.label)).toEqual(['Sarah Chen']);
  });

  it('TRAVERSE from SEARCH, and a walk with no entry says so', async () => {
    // The threshold trims the entry hits to the best one (the others score below 0.65).
    const r = await rem('TRAVERSE [leads] WITH SEARCH "Sarah leads the budget review" THRESHOLD 0.65 DEPTH 1');
    expect(r.nodes?.map((n) => [n.label, n.depth])).toEqual([['Sarah Chen', 0], ['Project Alpha', 1]]);
    const empty = await rem('TRAVERSE WITH LOOKUP nobody');
    expect(empty).toMatchObject({ kind: 'traverse', nodes: [], edges: [] });
    expect(empty.stages?.[0]?.memo).toContain('no entry node');
  });

  it('TRAVERSE PLAN and DEPTH 0 report the edge types without walking', async () => {
    const r = await rem('TRAVERSE PLAN WITH LOOKUP Project Alpha DIRECTION both');
    expect(r.kind).toBe('plan');
    expect(r.plan?.entry.map((n) => n.label)).toEqual(['Project Alpha']);
    const rels = r.plan?.histogram.map((h) => [h.rel, h.direction, h.count]) ?? [];
    expect(rels).toEqual(expect.arrayContaining([['part_of', 'out', 1], ['inv-leads', 'in', 1]]));
    expect((await rem('TRAVERSE WITH LOOKUP Project Alpha DEPTH 0')).kind).toBe('plan');
  });

  it('SQL runs guarded, capped by the request limit', async () => {
    const r = await rem('SELECT name FROM resources ORDER BY name', { limit: 2 });
    expect(r).toMatchObject({ kind: 'sql', rows: [{ name: 'Garden' }, { name: 'Lisbon trip' }], columns: ['name'], truncated: true });
    await expect(rem('SELECT * FROM tenants')).rejects.toMatchObject({ code: 'rem.not_allowed' });
  });

  it('bounds: DEPTH beyond 5 is rem.limit', async () => {
    await expect(rem('TRAVERSE WITH LOOKUP x DEPTH 50')).rejects.toMatchObject({ code: 'rem.limit' });
  });

  it('natural language without a planner is a rem.syntax error that shows the forms', async () => {
    const err = await rem('who leads project alpha?').catch((e) => e);
    expect(err).toMatchObject({ code: 'rem.syntax', details: { position: 0, found: 'who' } });
    expect(err.message).toContain('natural-language questions need a configured query planner');
    expect(err.message).toContain('TRAVERSE [PLAN]');
    // ask: false never plans: the parser's own error.
    await expect(rem('who leads?', { ask: false })).rejects.toMatchObject({ code: 'rem.syntax', message: expect.stringContaining('not a REM statement') });
  });

  it('natural language goes through a configured planner, whose REM runs like typed REM', async () => {
    const asked: string[] = [];
    const planner: QueryPlanner = {
      plan: async (question, ctx) => {
        asked.push(question);
        expect(ctx.syntax).toContain('LOOKUP');
        expect(ctx.tables).toContain('resources');
        return 'TRAVERSE [leads] WITH LOOKUP Sarah Chen';
      },
    };
    const withPlanner = new RemService(app.db, app.services.search, app.services.graph, TenantGate.fromConfig(app.config), { planner });
    const r = await withPlanner.query(alice, 'what does Sarah lead?');
    expect(asked).toEqual(['what does Sarah lead?']);
    expect(r).toMatchObject({ kind: 'traverse', query: 'TRAVERSE [leads] WITH LOOKUP Sarah Chen' });
    expect(r.nodes?.map((n) => n.label)).toEqual(['Sarah Chen', 'Project Alpha']);
    // REM input skips the planner; a planner's SQL gets the same guard.
    await withPlanner.query(alice, 'LOOKUP Roadmap');
    expect(asked.length).toBe(1);
    const sneaky = new RemService(app.db, app.services.search, app.services.graph, TenantGate.fromConfig(app.config), { planner: { plan: async () => 'DELETE FROM files' } });
    await expect(sneaky.query(alice, 'delete everything')).rejects.toMatchObject({ code: 'rem.syntax' });
    const sneakySql = new RemService(app.db, app.services.search, app.services.graph, TenantGate.fromConfig(app.config), { planner: { plan: async () => 'SELECT * FROM public.files' } });
    await expect(sneakySql.query(alice, 'list files')).rejects.toMatchObject({ code: 'rem.not_allowed' });
  });
});
