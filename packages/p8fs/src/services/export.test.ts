import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../test/pg-cluster.js';
import { createTestApp, waitFor } from '../../test/support.js';
import type { App } from '../app.js';
import type { ConfigInput } from '../config/schema.js';
import { ownerActor } from '../domain/actor.js';
import { toExportEdgePage, toExportResourcePage } from '../transports/export-presenters.js';

// The export pages (`p8fs export`) mean the same on embedded PGlite and on PostgreSQL 15, the
// scale-out database: every resource of the tenant once, in keyset pages, vectors when asked,
// the graph's edges; never another tenant's. The scale-out backup refusal is checked here too.

let cluster: Promise<PgCluster> | undefined;
afterAll(() => cluster?.then((c) => c.stop(), () => {}));
const DATABASES: { name: string; config: () => Promise<Partial<ConfigInput>> }[] = [
  { name: 'PGlite', config: async () => ({}) },
  {
    name: 'PostgreSQL 15',
    config: async () => {
      cluster ??= startPgCluster();
      return { storageProvider: 'postgres', pgUrl: await (await cluster).createDatabase('export') };
    },
  },
];

const NOTE = '---\ntags: [harbour, tides]\n---\n# Harbour\n\nThe kelpwright moored at the north pier.\n\n## Tides\n\nHigh water came at noon, low at six.\n';

describe.each(DATABASES)('ExportService on $name', ({ config }) => {
  let app: App & { dataDir: string };
  const owner = ownerActor('local');
  const other = ownerActor('other');
  let fileId = '';

  beforeAll(async () => {
    app = await createTestApp({ chunkTokens: 32, chunkOverlapTokens: 0, ...(await config()) });
    await app.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('other', 'other')`);
    app.pool.start();
    const r = await app.services.files.create(owner, { name: 'harbour.md', uri: 'notes/harbour.md' }, Readable.from([Buffer.from(NOTE)]));
    fileId = r.file.id;
    await waitFor(async () => (await app.services.files.get(owner, fileId)).status === 'indexed');
    await app.services.resources.writeSequence(owner, [{ name: 'turn/1', content: 'A note written directly, not from a file.' }]);
    await app.services.embeddings.embedPending('local', null);
    await app.services.resources.writeSequence(other, [{ name: 'secret', content: 'The other tenant keeps the zanzibar ledger.' }]);
  });
  afterAll(() => app?.close());

  it('pages through every resource once, by id, with vectors only when asked', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = toExportResourcePage(await app.services.exporter.resources(owner, { after, limit: 2, vectors: true }));
      pages++;
      for (const r of page.resources) {
        seen.push(r.id);
        expect(Array.isArray(r.embedding)).toBe(true);
        expect(r.embedding_provider).toBe(app.services.embeddings.providerId);
      }
      after = page.next_after ?? undefined;
    } while (after);
    const all = (await app.db.query<{ id: string }>(`SELECT id FROM resources WHERE tenant_id = 'local' ORDER BY id`)).map((r) => r.id);
    expect(seen).toEqual(all);
    expect(all.length).toBeGreaterThan(2);
    expect(pages).toBeGreaterThan(1);
    const plain = toExportResourcePage(await app.services.exporter.resources(owner, { limit: 100, vectors: false }));
    expect(plain.resources.every((r) => !('embedding' in r))).toBe(true);
    expect(plain.resources.some((r) => r.file_id === fileId && r.content.includes('kelpwright'))).toBe(true);
    expect(JSON.stringify(plain)).not.toContain('zanzibar');
  });

  it('exports the graph\'s edges of the tenant only', async () => {
    const page = toExportEdgePage(await app.services.exporter.edges(owner, { limit: 100, vectors: false }));
    expect(page.edges.filter((e) => e.rel_type === 'tagged' && e.source_file_id === fileId).map((e) => e.dst_label).sort()).toEqual(['#harbour', '#tides']);
    expect((await app.services.exporter.edges(other, { limit: 100, vectors: false })).rows).toEqual([]);
  });

  it('needs vault:read', async () => {
    const noScope = { ...owner, scopes: [] };
    await expect(app.services.exporter.resources(noScope, { limit: 10, vectors: false })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(app.services.exporter.edges(noScope, { limit: 10, vectors: false })).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('has no backup of its own in memory or on PostgreSQL: the refusal points to the documented procedures', async () => {
    // In-memory PGlite (tests) and PostgreSQL alike have no BackupSource.
    await expect(app.services.backup.open(owner, { includeMasterKey: false })).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('docs/deploy.md') });
  });
});
