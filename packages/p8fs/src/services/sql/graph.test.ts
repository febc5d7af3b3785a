import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { migrate } from '../../adapters/db/migrate.js';
import { PostgresDb } from '../../adapters/db/postgres.js';
import { ownerActor } from '../../domain/actor.js';
import { labelKey } from '../../domain/graph.js';
import { newId } from '../../domain/ids.js';
import type { Db } from '../../ports/db.js';
import { GraphService } from '../graph/service.js';
import { replaceFileEdges, upsertEdges } from './graph.js';

let cluster: PgCluster | undefined;
afterAll(() => cluster?.stop());

async function postgres15(tenants: string[]): Promise<Db> {
  cluster ??= await startPgCluster();
  const db = new PostgresDb(await cluster.createDatabase('graph'), 2);
  await migrate(db);
  for (const t of tenants) await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [t]);
  return db;
}

// The label index is kept by triggers on every write path: these tests write rows with plain SQL,
// as any future writer might, and never call a sync. The same SQL runs on PGlite and PostgreSQL 15.
describe.each([
  ['PGlite', (t: string[]) => createTestDb(t) as Promise<Db>],
  ['PostgreSQL 15', postgres15],
])('graph schema on %s', (_name, open) => {
  let db: Db;
  const labelsOf = async (table: string, id: string, tenant = 't1') =>
    (await db.query<{ label_key: string }>(`SELECT label_key FROM labels WHERE tenant_id = $1 AND entity_table = $2 AND entity_id = $3 ORDER BY 1`, [tenant, table, id])).map((r) => r.label_key);
  const addFile = async (name: string, tenant = 't1', extra: { parent?: string; title?: string } = {}) => {
    const id = newId();
    await db.query(
      `INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key, metadata, parent_id)
       VALUES ($1, $2, $3, $4, 1, 'text/markdown', 'h', 'k', $5, $6)`,
      [id, tenant, name, `/vault/${name}`, JSON.stringify(extra.title ? { title: extra.title } : {}), extra.parent ?? null]);
    return id;
  };

  beforeAll(async () => {
    db = await open(['t1', 't2']);
  }, 60_000);
  afterAll(() => db.close());

  it('p8_label_key and labelKey() agree', async () => {
    const samples = ['  Sarah   Chen ', 'SARAH\tCHEN\n', 'Ärzte Ωmega ДОМ', 'a\u00a0b', '#Project/Alpha', 'x\r\n\fy', ''];
    const rows = await db.query<{ k: string }>(`SELECT p8_label_key(x) AS k FROM unnest($1::text[]) WITH ORDINALITY u(x, o) ORDER BY o`, [samples]);
    expect(rows.map((r) => r.k)).toEqual(samples.map(labelKey));
  });

  it('labels files by name, stem, uri, title and aliases; renames and deletes follow', async () => {
    const id = await addFile('Sarah Chen.md', 't1', { title: 'About Sarah' });
    expect(await labelsOf('files', id)).toEqual(['/vault/sarah chen.md', 'about sarah', 'sarah chen', 'sarah chen.md']);
    await db.query(`UPDATE files SET name = 'S Chen.md', metadata = '{"frontmatter": {"aliases": ["Sarah"]}}' WHERE id = $1`, [id]);
    expect(await labelsOf('files', id)).toEqual(['/vault/sarah chen.md', 's chen', 's chen.md', 'sarah']);
    await db.query(`DELETE FROM files WHERE id = $1`, [id]);
    expect(await labelsOf('files', id)).toEqual([]);
  });

  it('labels resources (not file chunks), moments, agents and entities', async () => {
    const file = await addFile('doc.md');
    const note = newId();
    const chunk = newId();
    const ins = `INSERT INTO resources (id, tenant_id, file_id, name, category, content, uri, content_hash, search_tsv)
                 VALUES ($1, 't1', $2, $3, $4, 'x', 'u', 'h', ''::tsvector)`;
    await db.query(ins, [note, null, 'Kyoto Trip', 'note']);
    await db.query(ins, [chunk, file, '/vault/doc.md#chunk=0', 'document']);
    expect(await labelsOf('resources', note)).toEqual(['kyoto trip']);
    expect(await labelsOf('resources', chunk)).toEqual([]);
    await db.query(`UPDATE resources SET name = 'Osaka Trip' WHERE id = $1`, [note]);
    expect(await labelsOf('resources', note)).toEqual(['osaka trip']);
    const moment = newId();
    await db.query(`INSERT INTO moments (id, tenant_id, name) VALUES ($1, 't1', 'Standup 3 May')`, [moment]);
    const agent = newId();
    await db.query(`INSERT INTO agents (id, tenant_id, name) VALUES ($1, 't1', 'Researcher')`, [agent]);
    const entity = newId();
    await db.query(`INSERT INTO entities (id, tenant_id, label) VALUES ($1, 't1', 'Acme Corp')`, [entity]);
    expect(await labelsOf('moments', moment)).toEqual(['standup 3 may']);
    expect(await labelsOf('agents', agent)).toEqual(['researcher']);
    expect(await labelsOf('entities', entity)).toEqual(['acme corp']);
    await db.query(`UPDATE agents SET name = 'Scout' WHERE id = $1`, [agent]);
    expect(await labelsOf('agents', agent)).toEqual(['scout']);
    for (const [t, id] of [['resources', note], ['moments', moment], ['agents', agent], ['entities', entity]] as const) {
      await db.query(`DELETE FROM ${t} WHERE id = $1`, [id]);
      expect(await labelsOf(t, id)).toEqual([]);
    }
  });

  it('merges edges written again, makes entities for unknown labels and prunes them when unused', async () => {
    await db.transaction(async (tx) => {
      await upsertEdges(tx, 't1', [{ src: 'Note A', rel: 'mentions', dst: 'Bob Smith', dstType: 'person', properties: { a: 1 }, weight: 0.5 }], { origin: 'user', ensureSrc: true });
      await upsertEdges(tx, 't1', [{ src: 'note a', rel: 'mentions', dst: ' BOB  smith', properties: { b: 2 }, weight: 0.9 }], { origin: 'user' });
    });
    const edges = await db.query<{ weight: number; properties: object }>(`SELECT weight, properties FROM edges WHERE tenant_id = 't1' AND dst_key = 'bob smith'`);
    expect(edges).toEqual([{ weight: 0.9, properties: { a: 1, b: 2 } }]);
    const ents = await db.query<{ label: string; entity_type: string }>(`SELECT label, entity_type FROM entities WHERE tenant_id = 't1' AND label IN ('Bob Smith', 'Note A') ORDER BY label`);
    expect(ents).toEqual([{ label: 'Bob Smith', entity_type: 'person' }, { label: 'Note A', entity_type: 'entity' }]);
    await db.query(`DELETE FROM edges WHERE tenant_id = 't1' AND dst_key = 'bob smith'`);
    expect(await db.query(`SELECT 1 FROM entities WHERE tenant_id = 't1' AND label IN ('Bob Smith', 'Note A')`)).toEqual([]);
  });

  it('replaces a file\'s edges on reprocess and drops them with the file; other tenants are untouched', async () => {
    const file = await addFile('plan.md');
    const other = await addFile('plan.md', 't2');
    const write = (tenant: string, fileId: string, dsts: string[]) =>
      db.transaction((tx) => replaceFileEdges(tx, tenant, fileId, ['markdown'], dsts.map((dst) => ({ src: 'Plan', rel: 'links_to', dst, origin: 'markdown' }))));
    await write('t1', file, ['Alpha', 'Beta']);
    await write('t2', other, ['Alpha']);
    await write('t1', file, ['Beta', 'Gamma']);
    const dsts = async (tenant: string) => (await db.query<{ d: string }>(`SELECT dst_label AS d FROM edges WHERE tenant_id = $1 AND src_key = 'plan' ORDER BY 1`, [tenant])).map((r) => r.d);
    expect(await dsts('t1')).toEqual(['Beta', 'Gamma']);
    expect(await dsts('t2')).toEqual(['Alpha']);
    expect((await db.query(`SELECT 1 FROM entities WHERE tenant_id = 't1' AND label = 'Alpha'`)).length).toBe(0);
    await db.query(`DELETE FROM files WHERE id = $1`, [file]);
    expect(await dsts('t1')).toEqual([]);
    expect(await dsts('t2')).toEqual(['Alpha']);
  });

  it('serves lookup, fuzzy, traverse (stored and virtual edges) and plan from the same SQL', async () => {
    const graph = new GraphService(db);
    const actor = ownerActor('t1');
    const box = await addFile('box.zip');
    await addFile('Inside Note.md', 't1', { parent: box });
    await db.transaction((tx) => upsertEdges(tx, 't1', [{ src: 'Inside Note', rel: 'mentions', dst: 'Zed Qu', dstType: 'person' }], { origin: 'user' }));
    const [zip] = await graph.lookup(actor, [{ label: 'BOX' }]);
    expect(zip).toMatchObject({ table: 'files', label: 'box.zip' });
    expect((await graph.fuzzy(actor, 'zed q'))[0]).toMatchObject({ label: 'Zed Qu', type: 'person' });
    const res = await graph.traverse(actor, { from: [zip!], relTypes: [], depth: 2, direction: 'out', limit: 10 });
    expect(res.edges.map((e) => `${e.src} ${e.rel} ${e.dst}`)).toEqual(['box.zip contains Inside Note.md', 'Inside Note.md mentions Zed Qu']);
    const plan = await graph.plan(actor, [zip!], [], 'both');
    expect(plan.histogram).toEqual([{ rel: 'contains', direction: 'out', count: 1, samples: ['Inside Note.md'] }]);
    expect(await graph.lookup(ownerActor('t2'), [{ label: 'box' }])).toEqual([]);
  });
});
