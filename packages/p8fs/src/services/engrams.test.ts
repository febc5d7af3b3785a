import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import { ownerActor } from '../domain/actor.js';

const ENGRAM_V1 = `kind: engram
name: Standup voice memo 2024-10-01
category: voice_memo
summary: Standup with Sarah and Tom about the Falcon launch
content: |
  We agreed to move the Falcon launch to November; Sarah owns the pricing page.
uri: s3://memos/2024-10-01.m4a
resource_timestamp: 2024-10-01T09:00:00Z
metadata:
  device: { model: Pixel 8, os: Android 15 }
  app: p8 mobile 1.0
graph_edges:
  - dst: Sarah Chen
    rel_type: mentions
    weight: 0.9
    properties: { dst_entity_type: person }
moments:
  - name: Falcon launch standup
    content: Quick standup on the launch date and pricing.
    moment_type: Meeting
    resource_timestamp: 2024-10-01T09:00:00Z
    resource_ends_timestamp: 2024-10-01T09:15:00Z
    present_persons: [Sarah Chen, { name: Tom Weber, role: PM }]
    speakers: [{ name: Sarah Chen }]
    emotion_tags: [Focused, hopeful]
    topic_tags: [Launch, planning, launch]
    uri: s3://memos/2024-10-01.m4a#t=0,900
`;
// One more edge, changed metadata: the old edge and the untouched metadata keys must survive.
const ENGRAM_V2 = ENGRAM_V1.replace('  app: p8 mobile 1.0\n', '  app: p8 mobile 1.1\n  battery: 80\n')
  .replace('    properties: { dst_entity_type: person }\n', '    properties: { dst_entity_type: person }\n  - dst: Project Falcon\n    rel_type: about\n    dst_entity_type: project\n');

const BAD_ENGRAM = `{"kind": "engram", "name": "Broken memo", "graph_edges": [{"dst": "A", "rel_type": "knows"}, {"rel_type": "knows"}],
  "moments": [{"name": "Backwards", "starts_at": "2024-10-02T10:00:00Z", "ends_at": "2024-10-02T09:00:00Z"}]}`;

const AGENT_YAML = `p8-type: agent
name: inbox-triage
title: Inbox triage
description: Sorts the morning e-mail into act, read and ignore.
instructions: |
  You read my new e-mail each morning and sort it into three piles.
tools: [search, get_resource]
output: a list of piles with e-mail subjects
`;
const AGENT_JSON = JSON.stringify({
  'p8-type': 'agent', short_name: 'inbox-triage', version: '2', description: 'Sorts e-mail, now with a fourth pile.',
  properties: { piles: { type: 'array' } }, required: ['piles'], use_in_dreaming: true, priority: 2, tools: [{ name: 'search' }],
});

describe('engram and agent documents', () => {
  let app: App & { dataDir: string };
  const alice = ownerActor('local');
  const bob = ownerActor('bob');

  async function ingest(name: string, content: string, actor = alice) {
    const r = await app.services.files.create(actor, { name, uri: `/inbox/${name}` }, Readable.from([Buffer.from(content)]));
    return waitFor(async () => {
      const f = await app.services.files.get(actor, r.file.id);
      return f.status === 'indexed' || f.status === 'failed' ? f : null;
    });
  }
  const edges = (src: string) => app.db.query<{ rel_type: string; dst_label: string; weight: number; origin: string }>(
    `SELECT rel_type, dst_label, weight, origin FROM edges WHERE tenant_id = 'local' AND src_label = $1 ORDER BY rel_type, dst_label`, [src]);

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 64, chunkOverlapTokens: 0 });
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('bob', 'bob')`);
    app.pool.start();
  });
  afterAll(() => app.close());

  it('writes an engram as one named resource with its edges and moments, not as chunks', async () => {
    const file = await ingest('memo.yaml', ENGRAM_V1);
    expect(file).toMatchObject({ status: 'indexed', parser: 'yaml', resource_count: 1 });
    const [res] = await app.services.resources.listForFile(alice, file.id);
    expect(res).toMatchObject({
      name: 'Standup voice memo 2024-10-01', category: 'voice_memo', uri: 's3://memos/2024-10-01.m4a',
      summary: 'Standup with Sarah and Tom about the Falcon launch', metadata: { device: { model: 'Pixel 8' }, app: 'p8 mobile 1.0' },
    });
    expect(res?.content).toContain('Falcon launch to November');
    expect(res?.resource_timestamp?.toISOString()).toBe('2024-10-01T09:00:00.000Z');
    expect(await edges('Standup voice memo 2024-10-01')).toEqual([{ rel_type: 'mentions', dst_label: 'Sarah Chen', weight: expect.closeTo(0.9, 5), origin: 'engram' }]);

    const { rows } = await app.services.moments.list(alice, { person: 'tom weber' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      name: 'Falcon launch standup', moment_type: 'meeting', emotion_tags: ['focused', 'hopeful'], topic_tags: ['launch', 'planning'],
      present_persons: [{ name: 'Sarah Chen' }, { name: 'Tom Weber', role: 'PM' }],
      metadata: { uri: 's3://memos/2024-10-01.m4a#t=0,900', engram: 'Standup voice memo 2024-10-01', source_file_id: file.id },
    });
    expect(rows[0]?.ends_at?.toISOString()).toBe('2024-10-01T09:15:00.000Z');
    expect(await edges('Falcon launch standup')).toEqual([
      expect.objectContaining({ rel_type: 'part_of', dst_label: 'Standup voice memo 2024-10-01', origin: 'engram' }),
      expect.objectContaining({ rel_type: 'present', dst_label: 'Sarah Chen', origin: 'moment' }),
      expect.objectContaining({ rel_type: 'present', dst_label: 'Tom Weber' }),
      expect.objectContaining({ rel_type: 'spoke', dst_label: 'Sarah Chen' }),
      expect.objectContaining({ rel_type: 'tagged', dst_label: 'launch' }),
      expect.objectContaining({ rel_type: 'tagged', dst_label: 'planning' }),
    ]);
  });

  it('makes the engram and its moments searchable, and embeds the moment mirror too', async () => {
    const hits = (await app.services.search.search(alice, { query: 'launch pricing standup', mode: 'keyword', limit: 10 })).results;
    expect(hits.map((h) => h.category).sort()).toEqual(['moment', 'voice_memo']);
    const mirror = hits.find((h) => h.category === 'moment');
    expect(mirror?.uri).toMatch(/^p8fs:\/\/moments\/[0-9a-f-]{36}$/);
    await waitFor(async () => (await app.db.query(`SELECT 1 FROM embeddings WHERE tenant_id = 'local' AND resource_id = $1`, [mirror?.resource_id])).length > 0);
  });

  it('merges a re-upload: the old edge stays, the new one is added, metadata keys are merged', async () => {
    const file = await ingest('memo.yaml', ENGRAM_V2);
    expect(file).toMatchObject({ status: 'indexed', resource_count: 1 });
    const [res] = await app.services.resources.listForFile(alice, file.id);
    expect(res?.metadata).toMatchObject({ device: { model: 'Pixel 8', os: 'Android 15' }, app: 'p8 mobile 1.1', battery: 80 });
    expect((await edges('Standup voice memo 2024-10-01')).map((e) => `${e.rel_type} ${e.dst_label}`)).toEqual(['about Project Falcon', 'mentions Sarah Chen']);
    expect((await app.services.moments.list(alice, {})).total).toBe(1);
  });

  it('fails a malformed engram naming each bad field, and writes nothing of it', async () => {
    const file = await ingest('broken.json', BAD_ENGRAM);
    expect(file.status).toBe('failed');
    expect(file.error_code).toBe('parser.failed');
    expect(file.error_message).toContain('graph_edges.1.dst');
    expect(file.error_message).toContain('moments.0.ends_at: ends_at is before starts_at');
    expect(file.resource_count).toBe(0);
    expect(await app.services.resources.listForFile(alice, file.id)).toEqual([]);
    expect(await edges('Broken memo')).toEqual([]);
    expect((await app.services.moments.list(alice, {})).rows.map((m) => m.name)).not.toContain('Backwards');
  });

  it('upserts a p8-type: agent by name, in either document shape, with a searchable resource', async () => {
    const first = await ingest('triage.yaml', AGENT_YAML);
    expect(first).toMatchObject({ status: 'indexed', resource_count: 1 });
    const a1 = await app.services.agents.get(alice, 'inbox-triage');
    expect(a1).toMatchObject({
      description: 'Sorts the morning e-mail into act, read and ignore.', tools: ['search', 'get_resource'],
      output_schema: { description: 'a list of piles with e-mail subjects' }, metadata: { title: 'Inbox triage' },
    });
    expect(a1.system_prompt).toContain('three piles');
    const [res] = await app.services.resources.listForFile(alice, first.id);
    expect(res).toMatchObject({ category: 'agent', name: 'inbox-triage' });

    await ingest('triage.json', AGENT_JSON);
    const a2 = await app.services.agents.get(alice, 'inbox-triage');
    expect(a2.id).toBe(a1.id);
    expect(a2).toMatchObject({
      description: 'Sorts e-mail, now with a fourth pile.', output_schema: { type: 'object', properties: { piles: { type: 'array' } }, required: ['piles'] },
      metadata: { title: 'Inbox triage', version: '2', use_in_dreaming: true, priority: 2 },
    });
    expect((await app.services.agents.list(alice)).map((a) => a.name)).toEqual(['inbox-triage']);
    expect(await app.services.agents.list(bob)).toEqual([]);
    await expect(app.services.agents.get(bob, 'inbox-triage')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('keeps another tenant out of the engram’s moments', async () => {
    expect((await app.services.moments.list(bob, {})).total).toBe(0);
    const [m] = (await app.services.moments.list(alice, {})).rows;
    await expect(app.services.moments.get(bob, m?.id ?? '')).rejects.toMatchObject({ code: 'not_found' });
  });
});
