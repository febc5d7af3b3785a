import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import { ownerActor } from '../domain/actor.js';

// Decision 0022: scores on 0..1, a relevance floor, one hit per file with copies collapsed.
const TRIP = `---
tags: [travel, lisbon]
date: 2023-04-02
---
# Trip to Lisbon

## Flight
Flight TP 571 leaves Heathrow at 07:40 on Friday; seat 14C, check in online the day before.

## Hotel
The hotel is in Alfama, two streets from the tram stop.

## Packing
Pack the charger, the passport and the blue jacket for the flight.
`;
const REPORT = `# Quarterly report

Revenue grew in the third quarter. The change data capture pipeline now feeds the warehouse nightly.
`;
const MEMO = 'Voice memo: the dentist appointment moved to Tuesday at nine.';
const LOREM = `Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.
Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat.`;

describe('search results a person can trust (hash embedder)', () => {
  let app: App & { dataDir: string };
  const owner = ownerActor('local');
  const ids: Record<string, string> = {};
  const search = (query: string, extra: object = {}) =>
    app.services.search.search(owner, { query, limit: 10, ...extra }).then((r) => r.results);

  async function ingest(uri: string, text: string): Promise<string> {
    const r = await app.services.files.create(owner, { name: uri.split('/').pop() as string, uri }, Readable.from([Buffer.from(text)]));
    await waitFor(async () => (await app.services.files.get(owner, r.file.id)).status === 'indexed');
    return r.file.id;
  }

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 40, chunkOverlapTokens: 0 });
    app.pool.start();
    ids.trip = await ingest('/notes/trip.md', TRIP);
    ids.report = await ingest('/docs/report.md', REPORT);
    ids.copy2 = await ingest('/downloads/report (1).md', REPORT);
    ids.copy3 = await ingest('/mail/attachments/report.md', REPORT);
    ids.lorem = await ingest('/notes/lorem.txt', LOREM);
    ids.memo = await ingest('/recordings/memo.txt', MEMO);
    // What the audio parser records for an offline PocketSphinx transcript (media-pocketsphinx.test.ts checks that side).
    await app.db.query(`UPDATE files SET metadata = metadata || '{"transcriptAccuracy":"low"}'::jsonb WHERE id = $1`, [ids.memo]);
    await app.services.embeddings.embedPending('local', null);
  });
  afterAll(() => app.close());

  it('scores every mode on 0..1, with 1 for a hit first in both lists', async () => {
    for (const mode of ['hybrid', 'keyword', 'vector'] as const) {
      const hits = await search('flight TP 571 Heathrow', { mode });
      expect(hits.length).toBeGreaterThan(0);
      expect(hits.every((h) => h.score >= 0 && h.score <= 1)).toBe(true);
      expect([...hits].sort((a, b) => b.score - a.score).map((h) => h.score)).toEqual(hits.map((h) => h.score));
    }
    const [top] = await search('flight TP 571 Heathrow');
    expect(top?.ranks).toEqual({ keyword: 1, vector: 1 });
    expect(top?.score).toBe(1);
  });

  it('drops padding under the relevance floor; with the floor off it would have shown', async () => {
    const floored = await search('what flight am I taking');
    expect(floored[0]?.file_id).toBe(ids.trip);
    expect(floored.some((h) => h.file_id === ids.lorem)).toBe(false);
    expect(floored.every((h) => h.score >= 0.2)).toBe(true);
    // The same vault without a floor: a service built with the floor off.
    const { SearchService, DEFAULT_TUNING } = await import('./search.js');
    const { TenantGate } = await import('./tenant-gate.js');
    const noFloor = new SearchService(app.db, app.services.embeddings, TenantGate.fromConfig(app.config), { ...DEFAULT_TUNING, minScore: 0, minSimilarity: 0 });
    const all = (await noFloor.search(owner, { query: 'what flight am I taking', limit: 10 })).results;
    expect(all.some((h) => h.file_id === ids.lorem)).toBe(true);
  });

  it('group=file: three copies of one file take one slot, the copies named under it', async () => {
    const chunks = await search('change data capture warehouse', { group: 'chunk' });
    const copies = [ids.report, ids.copy2, ids.copy3];
    expect(chunks.filter((h) => copies.includes(h.file_id as string))).toHaveLength(3);
    const files = await search('change data capture warehouse', { group: 'file' });
    const hit = files.find((h) => copies.includes(h.file_id as string));
    expect(files.filter((h) => copies.includes(h.file_id as string))).toHaveLength(1);
    expect(hit?.duplicates?.map((d) => d.file_id).sort()).toEqual(copies.filter((id) => id !== hit?.file_id).sort());
    expect(hit?.duplicates?.every((d) => d.uri.length > 0 && d.name.length > 0)).toBe(true);
  });

  it('group=file: one hit per file, its other matching passages under it', async () => {
    const chunks = await search('flight', { group: 'chunk', mode: 'keyword' });
    expect(chunks.filter((h) => h.file_id === ids.trip).length).toBeGreaterThan(1);
    const files = await search('flight', { group: 'file', mode: 'keyword' });
    const trip = files.filter((h) => h.file_id === ids.trip);
    expect(trip).toHaveLength(1);
    const passages = trip[0]?.passages ?? [];
    expect(passages.length).toBeGreaterThan(0);
    expect(passages.length).toBeLessThanOrEqual(3);
    expect(passages.every((p) => p.score <= (trip[0]?.score ?? 0) && p.uri.startsWith('/notes/trip.md#'))).toBe(true);
    expect(new Set([trip[0]?.resource_id, ...passages.map((p) => p.resource_id)]).size).toBe(passages.length + 1);
  });

  it('group=file keeps the limit in files, and chunk stays the default of the service', async () => {
    const one = await search('flight change data', { group: 'file', limit: 1 });
    expect(one).toHaveLength(1);
    const dflt = await search('flight', { mode: 'keyword' });
    expect(dflt.filter((h) => h.file_id === ids.trip).length).toBeGreaterThan(1);
    expect(dflt.every((h) => h.passages === undefined)).toBe(true);
  });

  it('marks a hit from a low-accuracy transcript, in both groupings', async () => {
    for (const group of ['file', 'chunk'] as const) {
      const [hit] = await search('dentist appointment', { group });
      expect(hit?.file_id).toBe(ids.memo);
      expect(hit?.low_accuracy).toBe(true);
    }
    const [trip] = await search('flight TP 571');
    expect(trip?.low_accuracy).toBeUndefined();
  });

  it('filters by tag, type, folder and content date', async () => {
    const fileIds = async (filters: object) => new Set((await search('flight report dentist lorem', { group: 'file', mode: 'keyword', filters })).map((h) => h.file_id));
    expect(await fileIds({ tag: 'travel' })).toEqual(new Set([ids.trip]));
    expect(await fileIds({ tag: '#lisbon' })).toEqual(new Set([ids.trip]));
    expect(await fileIds({ tag: 'nothing-tagged-so' })).toEqual(new Set());
    expect(await fileIds({ type: 'txt' })).toEqual(new Set([ids.memo, ids.lorem]));
    expect(await fileIds({ type: ['text/markdown', '.txt'], folder: '/recordings/' })).toEqual(new Set([ids.memo]));
    const docs = await fileIds({ folder: '/docs' });
    expect(docs).toEqual(new Set([ids.report]));
    expect(await fileIds({ folder: '/doc' })).toEqual(new Set());
    // The trip note's frontmatter date (2023-04-02) is its content date; the others have only their upload time.
    expect(await fileIds({ from: '2023-04-01', to: '2023-04-30' })).toEqual(new Set([ids.trip]));
    const recent = await fileIds({ from: new Date(Date.now() - 86_400_000).toISOString() });
    expect(recent.has(ids.trip)).toBe(false);
    expect(recent.has(ids.memo)).toBe(true);
    expect(await fileIds({ file_id: ids.trip, tag: 'travel' })).toEqual(new Set([ids.trip]));
    expect(await fileIds({ file_id: ids.memo, tag: 'travel' })).toEqual(new Set());
  });
});
