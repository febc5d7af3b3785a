import { Readable } from 'node:stream';
import type { SearchHit } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../test/pg-cluster.js';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import type { ConfigInput } from '../config/schema.js';
import { ownerActor } from '../domain/actor.js';
import { isAppError } from '../domain/errors.js';

const TRAVEL = `# Travel notes

## Portugal
The flight to Lisbon leaves on Friday morning; the hotel is near the Alfama district.

## Garden
The San Marzano tomatoes went into the raised bed on the first of May.

## Music
Practise the guitar scales for the autumn concert with the choir.
`;
const RECIPES = `# Recipes

## Soup
Roast the pumpkin with garlic, then blend it with stock and a little cream.
`;
const TURNS = [
  { name: 'chat/1', content: 'Ana: How was the weekend at the lake?', timestamp: new Date('2023-05-06T10:00:00Z') },
  { name: 'chat/2', content: 'Ben: Lovely. We adopted a puppy and named him Biscuit.', timestamp: new Date('2023-05-06T10:01:00Z') },
  { name: 'chat/3', content: 'Ana: That is wonderful news, send me photos!', timestamp: new Date('2023-05-06T10:02:00Z') },
  { name: 'chat/4', content: 'Ben: Biscuit chewed my running shoes this morning.', timestamp: new Date('2024-01-15T09:00:00Z') },
];

// The search SQL must mean the same on embedded PGlite (PostgreSQL 18) and PostgreSQL 15.
let cluster: Promise<PgCluster> | undefined;
afterAll(() => cluster?.then((c) => c.stop(), () => {}));
const DATABASES: { name: string; config: () => Promise<Partial<ConfigInput>> }[] = [
  { name: 'PGlite', config: async () => ({}) },
  {
    name: 'PostgreSQL 15',
    config: async () => {
      cluster ??= startPgCluster();
      return { storageProvider: 'postgres', pgUrl: await (await cluster).createDatabase('search') };
    },
  },
];

describe.each(DATABASES)('SearchService on $name (hash embedder)', ({ config }) => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const other = ownerActor('other');
  let travelId = '';
  let recipesId = '';
  const idsOf = async (tenant: string) =>
    new Set((await app.db.query<{ id: string }>('SELECT id FROM resources WHERE tenant_id = $1', [tenant])).map((r) => r.id));
  const search = (query: string, mode: 'hybrid' | 'keyword' | 'vector' = 'hybrid', extra: object = {}, actor = alice) =>
    app.services.search.search(actor, { query, mode, limit: 10, ...extra }).then((r) => r.results);

  async function ingest(actor: typeof alice, name: string, text: string): Promise<string> {
    const r = await app.services.files.create(actor, { name, uri: `/notes/${name}` }, Readable.from([Buffer.from(text)]));
    await waitFor(async () => (await app.services.files.get(actor, r.file.id)).status === 'indexed');
    return r.file.id;
  }

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 40, chunkOverlapTokens: 0, ...(await config()) });
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('other', 'other')`);
    app.pool.start();
    travelId = await ingest(alice, 'travel.md', TRAVEL);
    recipesId = await ingest(alice, 'recipes.md', RECIPES);
    await app.services.resources.writeSequence(alice, TURNS.map((t) => ({ ...t, category: 'conversation' })));
    await app.services.embeddings.embedPending('local', null);
    // The other tenant holds the same travel note (same text, same vectors) and a secret of its own.
    await ingest(other, 'travel.md', TRAVEL);
    await app.services.resources.writeSequence(other, [{ name: 'secret', content: 'The Zanzibar expedition starts in June.' }]);
    await app.services.embeddings.embedPending('other', null);
  });
  afterAll(() => app.close());

  it('finds a passage by its rare words, ranked first by the keyword retriever', async () => {
    const [top] = await search('San Marzano tomatoes');
    expect(top?.content).toContain('San Marzano');
    expect(top?.ranks.keyword).toBe(1);
  });

  it('finds a passage by vector alone when no keyword matches (a misspelling)', async () => {
    const hits = await search('Marzanno tomattos');
    expect(hits.every((h) => h.ranks.keyword === null)).toBe(true);
    expect(hits.slice(0, 3).some((h) => h.content.includes('San Marzano'))).toBe(true);
    expect(await search('Marzanno tomattos', 'keyword')).toEqual([]);
  });

  it('ranks the turn that says a word above neighbours that only border it', async () => {
    const hits = await search('Biscuit', 'keyword');
    const names = hits.map((h) => h.name);
    expect(names.slice(0, 2).sort()).toEqual(['chat/2', 'chat/4']);
    // chat/1 and chat/3 never say "Biscuit": they are found through their neighbour's text.
    expect(names).toContain('chat/3');
    const score = (n: string) => hits.find((h) => h.name === n)?.score ?? 0;
    expect(score('chat/2')).toBeGreaterThan(score('chat/3'));
  });

  it('returns provenance with every hit', async () => {
    const hits = await search('Lisbon flight hotel');
    const top = hits[0] as SearchHit;
    expect(top.resource_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(top.file_id).toBe(travelId);
    expect(top.uri).toMatch(/^\/notes\/travel\.md#(page=\d+&)?chunk=\d+$/);
    expect(top.snippet).toContain('Lisbon');
    expect(top.score).toBeGreaterThan(0);
    for (const h of hits) expect(Number.isFinite(h.score) && h.snippet.length > 0).toBe(true);
  });

  it('applies the category, file and date filters in every mode', async () => {
    for (const mode of ['hybrid', 'keyword', 'vector'] as const) {
      const conv = await search('Biscuit puppy weekend', mode, { filters: { category: 'conversation' } });
      expect(conv.length).toBeGreaterThan(0);
      expect(conv.every((h) => h.category === 'conversation')).toBe(true);
      const recipes = await search('pumpkin garlic tomatoes', mode, { filters: { file_id: recipesId } });
      expect(recipes.length).toBeGreaterThan(0);
      expect(recipes.every((h) => h.file_id === recipesId)).toBe(true);
      const may = await search('Biscuit', mode, { filters: { from: '2023-05-01', to: '2023-05-31' } });
      expect(may.length).toBeGreaterThan(0);
      expect(may.every((h) => ['chat/1', 'chat/2', 'chat/3'].includes(h.name))).toBe(true);
    }
  });

  it('never returns another tenant\'s resources, though both retrievers would match them', async () => {
    const mine = await idsOf('local');
    const theirs = await idsOf('other');
    for (const mode of ['hybrid', 'keyword', 'vector'] as const) {
      for (const q of ['Zanzibar expedition June', 'Lisbon flight hotel Alfama']) {
        const hits = await search(q, mode);
        expect(hits.every((h) => mine.has(h.resource_id))).toBe(true);
      }
      const theirHits = await search('Zanzibar expedition', mode, {}, other);
      expect(theirHits[0]?.content).toContain('Zanzibar');
      expect(theirHits.every((h) => theirs.has(h.resource_id))).toBe(true);
    }
  });

  it('gives the first k hits of a longer search for a shorter limit', async () => {
    const long = await search('Biscuit tomatoes guitar concert');
    const short = await app.services.search.search(alice, { query: 'Biscuit tomatoes guitar concert', limit: 3 });
    expect(short.results.map((h) => h.resource_id)).toEqual(long.slice(0, 3).map((h) => h.resource_id));
  });

  it('answers stop-word-only, punctuation-only and operator-laden queries without error', async () => {
    expect(await search('the of and to', 'keyword')).toEqual([]);
    const hybrid = await search('the of and to');
    expect(hybrid.every((h) => h.ranks.keyword === null)).toBe(true);
    for (const q of ['?!... --- ;;', "a & b | !c:* <-> 'o''brien' \\ (x", '*:A & !', 'tomatoes:*B']) {
      await expect(search(q)).resolves.toBeInstanceOf(Array);
    }
  });

  it('treats SQL in a query as text', async () => {
    const before = (await idsOf('local')).size;
    await expect(search("'); DROP TABLE resources;--")).resolves.toBeInstanceOf(Array);
    await expect(search("tomatoes' OR '1'='1", 'keyword')).resolves.toBeInstanceOf(Array);
    expect((await idsOf('local')).size).toBe(before);
  });

  it('accepts a 4,000-character query and refuses longer or empty ones with validation_failed', async () => {
    const long = 'tomatoes garden lisbon '.repeat(200).slice(0, 4000);
    const hits = await search(long);
    expect(hits.length).toBeGreaterThan(0);
    for (const bad of [`${long}x`, '   ']) {
      const err = await search(bad).catch((e: unknown) => e);
      expect(isAppError(err, 'validation_failed')).toBe(true);
    }
    const badDate = await search('tomatoes', 'hybrid', { filters: { from: 'not a date' } }).catch((e: unknown) => e);
    expect(isAppError(badDate, 'validation_failed')).toBe(true);
  });
});
