import { MomentDto, MomentList } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../../../test/support.js';
import type { App } from '../../../app.js';
import { ownerActor } from '../../../domain/actor.js';
import { createHttpApp } from '../app.js';
import type { HttpEnv } from '../route-spec.js';

const JSON_HEADERS = { 'content-type': 'application/json' };

const MOMENTS = [
  { name: 'Falcon kickoff', moment_type: 'meeting', starts_at: '2024-10-01T09:00:00Z', ends_at: '2024-10-01T10:00:00Z',
    present_persons: ['Sarah Chen', { name: 'Tom Weber', role: 'PM' }], topic_tags: [' Launch ', 'planning'], emotion_tags: ['Hopeful'],
    summary: 'Kicked off the Falcon launch', content: 'We set the November date.' },
  { name: 'Walk by the river', moment_type: 'reflection', starts_at: '2024-10-03T18:00:00+02:00', ends_at: '2024-10-03T19:00:00+02:00',
    topic_tags: ['health'], emotion_tags: ['calm', 'hopeful'], location: 'Spree' },
  { name: 'Pricing call', moment_type: 'meeting', starts_at: '2024-10-05', speakers: [{ name: 'Sarah Chen' }], topic_tags: ['pricing', 'launch'],
    emotion_tags: ['tense'] },
];

describe('moments over HTTP', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  const ids: Record<string, string> = {};
  // Each request acts as the tenant its x-tenant header names: A is 'local', B is 'bob'.
  const req = (path: string, init: RequestInit & { tenant?: string } = {}) =>
    http.request(path, { ...init, headers: { ...(init.headers as Record<string, string>), 'x-tenant': init.tenant ?? 'local' } });
  const send = (method: string, path: string, body: unknown, tenant?: string) =>
    req(path, { method, headers: JSON_HEADERS, body: JSON.stringify(body), tenant });
  const names = async (query: string) => {
    const res = await req(`/api/v1/entity/moments${query}`);
    expect(res.status).toBe(200);
    return MomentList.parse(await res.json()).moments.map((m) => m.name);
  };

  beforeAll(async () => {
    app = await createTestApp();
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    http = createHttpApp(app, { actorFor: (c) => ownerActor(c.req.header('x-tenant') ?? 'local') });
    app.pool.start();
  });
  afterAll(() => app.close());

  it('creates moments with normalised tags, persons and times', async () => {
    for (const m of MOMENTS) {
      const res = await send('POST', '/api/v1/entity/moments', m);
      expect(res.status).toBe(200);
      const dto = MomentDto.parse(await res.json());
      ids[m.name] = dto.id;
    }
    const kickoff = MomentDto.parse(await (await req(`/api/v1/entity/moments/${ids['Falcon kickoff']}`)).json());
    expect(kickoff).toMatchObject({
      topic_tags: ['launch', 'planning'], emotion_tags: ['hopeful'], starts_at: '2024-10-01T09:00:00.000Z',
      present_persons: [{ name: 'Sarah Chen' }, { name: 'Tom Weber', role: 'PM' }],
    });
    const walk = MomentDto.parse(await (await req(`/api/v1/entity/moments/${ids['Walk by the river']}`)).json());
    expect(walk.starts_at).toBe('2024-10-03T16:00:00.000Z');
  });

  it('upserts by name: posting the same name again updates the same moment', async () => {
    const res = await send('POST', '/api/v1/entity/moments', { ...MOMENTS[0], summary: 'Kicked off Falcon, date agreed', metadata: { source: 'cli' } });
    const dto = MomentDto.parse(await res.json());
    expect(dto.id).toBe(ids['Falcon kickoff']);
    expect(dto.summary).toBe('Kicked off Falcon, date agreed');
    expect(await names('')).toHaveLength(3);
  });

  it('refuses invalid input with the field and reason', async () => {
    const res = await send('POST', '/api/v1/entity/moments', { name: 'Backwards', starts_at: '2024-10-02T10:00:00Z', ends_at: '2024-10-02T09:00:00Z' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('body.ends_at: ends_at is before starts_at');
    expect((await send('POST', '/api/v1/entity/moments', { name: '  ' })).status).toBe(400);
    expect((await send('POST', '/api/v1/entity/moments', { name: 'x', starts_at: 'yesterday' })).status).toBe(400);
    expect((await req('/api/v1/entity/moments?limit=201')).status).toBe(400);
  });

  it('filters by topic, emotion, type, person and time range, and orders by start', async () => {
    expect(await names('')).toEqual(['Pricing call', 'Walk by the river', 'Falcon kickoff']);
    expect(await names('?order=oldest')).toEqual(['Falcon kickoff', 'Walk by the river', 'Pricing call']);
    expect(await names('?topic=launch&order=oldest')).toEqual(['Falcon kickoff', 'Pricing call']);
    expect(await names('?topic=health,PRICING')).toEqual(['Pricing call', 'Walk by the river']);
    expect(await names('?topic=health&topic=planning')).toEqual(['Walk by the river', 'Falcon kickoff']);
    expect(await names('?emotion=hopeful')).toEqual(['Walk by the river', 'Falcon kickoff']);
    expect(await names('?type=Meeting')).toEqual(['Pricing call', 'Falcon kickoff']);
    expect(await names('?person=sarah%20chen')).toEqual(['Pricing call', 'Falcon kickoff']);
    expect(await names('?person=Tom%20Weber')).toEqual(['Falcon kickoff']);
    // Overlap: the kickoff (09:00-10:00) overlaps a range that starts at 09:30.
    expect(await names('?from=2024-10-01T09:30:00Z&to=2024-10-03T00:00:00Z')).toEqual(['Falcon kickoff']);
    expect(await names('?from=2024-10-04')).toEqual(['Pricing call']);
    expect(await names('?to=2024-10-02&type=reflection')).toEqual([]);
    const page = MomentList.parse(await (await req('/api/v1/entity/moments?limit=1&offset=1')).json());
    expect(page).toMatchObject({ total: 3, limit: 1, offset: 1 });
    expect(page.moments.map((m) => m.name)).toEqual(['Walk by the river']);
  });

  it('patches given fields only, merges metadata, and refuses a taken name', async () => {
    const id = ids['Walk by the river'];
    const res = await send('PATCH', `/api/v1/entity/moments/${id}`, { topic_tags: ['Health', 'river'], location: null, metadata: { mood: 7 } });
    expect(res.status).toBe(200);
    const dto = MomentDto.parse(await res.json());
    expect(dto).toMatchObject({ name: 'Walk by the river', topic_tags: ['health', 'river'], location: null, emotion_tags: ['calm', 'hopeful'], metadata: { mood: 7 } });
    expect((await send('PATCH', `/api/v1/entity/moments/${id}`, { name: 'Pricing call' })).status).toBe(409);
    // A rename keeps the id; the old name is free again for a new moment.
    const renamed = MomentDto.parse(await (await send('PATCH', `/api/v1/entity/moments/${ids['Falcon kickoff']}`, { name: 'Falcon kickoff (Oct)' })).json());
    expect(renamed.id).toBe(ids['Falcon kickoff']);
    const again = MomentDto.parse(await (await send('POST', '/api/v1/entity/moments', { name: 'Falcon kickoff' })).json());
    expect(again.id).not.toBe(renamed.id);
    expect((await req(`/api/v1/entity/moments/${again.id}`, { method: 'DELETE' })).status).toBe(204);
    await send('PATCH', `/api/v1/entity/moments/${renamed.id}`, { name: 'Falcon kickoff' });
    expect((await send('PATCH', `/api/v1/entity/moments/${id}`, { ends_at: '2024-01-01' })).status).toBe(400);
    const edges = await app.db.query<{ dst_label: string }>(
      `SELECT dst_label FROM edges WHERE tenant_id = 'local' AND src_label = 'Walk by the river' AND rel_type = 'tagged' ORDER BY 1`);
    expect(edges.map((e) => e.dst_label)).toEqual(['health', 'river']);
  });

  it('mirrors each moment as a searchable resource with a vector', async () => {
    const hits = await app.services.search.search(app.owner, { query: 'November date', mode: 'keyword' });
    const dto = MomentDto.parse(await (await req(`/api/v1/entity/moments/${ids['Falcon kickoff']}`)).json());
    expect(hits.results[0]).toMatchObject({ resource_id: dto.resource_id, category: 'moment', uri: `p8fs://moments/${dto.id}` });
    await waitFor(async () => (await app.db.query(`SELECT 1 FROM embeddings WHERE resource_id = $1`, [dto.resource_id])).length > 0);
  });

  it('gives tenant B nothing of A: not in lists, 404 to read, patch or delete A’s moments', async () => {
    const id = ids['Falcon kickoff'] as string;
    expect(MomentList.parse(await (await req('/api/v1/entity/moments', { tenant: 'bob' })).json())).toMatchObject({ moments: [], total: 0 });
    expect((await req(`/api/v1/entity/moments/${id}`, { tenant: 'bob' })).status).toBe(404);
    expect((await send('PATCH', `/api/v1/entity/moments/${id}`, { summary: 'hijacked' }, 'bob')).status).toBe(404);
    expect((await req(`/api/v1/entity/moments/${id}`, { method: 'DELETE', tenant: 'bob' })).status).toBe(404);
    // B writing a moment of the same name makes B's own, never touches A's.
    const own = MomentDto.parse(await (await send('POST', '/api/v1/entity/moments', { name: 'Falcon kickoff' }, 'bob')).json());
    expect(own.id).not.toBe(id);
    const a = MomentDto.parse(await (await req(`/api/v1/entity/moments/${id}`)).json());
    expect(a.summary).toBe('Kicked off Falcon, date agreed');
    const search = await app.services.search.search(ownerActor('bob'), { query: 'November date', mode: 'keyword' });
    expect(search.results).toEqual([]);
  });

  it('deletes a moment with its search resource and person edges', async () => {
    const id = ids['Pricing call'] as string;
    const dto = MomentDto.parse(await (await req(`/api/v1/entity/moments/${id}`)).json());
    expect((await req(`/api/v1/entity/moments/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await req(`/api/v1/entity/moments/${id}`)).status).toBe(404);
    expect((await req(`/api/v1/entity/moments/${id}`, { method: 'DELETE' })).status).toBe(404);
    expect(await app.db.query(`SELECT 1 FROM resources WHERE id = $1`, [dto.resource_id])).toEqual([]);
    expect(await app.db.query(`SELECT 1 FROM edges WHERE tenant_id = 'local' AND src_label = 'Pricing call'`)).toEqual([]);
    expect((await req('/api/v1/entity/moments/not-a-uuid')).status).toBe(404);
  });

  it('describes the moment and agent routes in /openapi.json', async () => {
    const doc = (await (await req('/openapi.json')).json()) as { paths: Record<string, Record<string, { operationId: string; parameters?: { name: string }[] }>> };
    expect(Object.keys(doc.paths['/api/v1/entity/moments'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths['/api/v1/entity/moments/{id}'] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/api/v1/entity/moments']?.get?.parameters?.map((p) => p.name)).toEqual(
      expect.arrayContaining(['topic', 'emotion', 'type', 'person', 'from', 'to', 'order', 'limit', 'offset']));
    expect(doc.paths['/api/v1/entity/agents/{name}']?.get?.operationId).toBe('getAgent');
  });
});
