import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import type { Db } from '../../ports/db.js';
import { queueBacklog } from '../queue/backlog.js';
import { DbJobQueue } from '../queue/db-queue.js';
import { waitFor } from '../../../test/support.js';
import { MIGRATIONS_DIR, migrate } from './migrate.js';
import { openPglite } from './pglite.js';
import { PostgresDb } from './postgres.js';

// The Db port's contract: the same migrations and the SQL the app relies on behave the same on
// embedded PGlite and on a real PostgreSQL 15 server (with pgvector built by install-postgres.sh).

let cluster: Promise<PgCluster> | undefined;
let dbCount = 0;
/** A fresh, empty database on the shared throwaway cluster. */
async function postgresUrl(): Promise<string> {
  cluster ??= startPgCluster();
  return (await cluster).createDatabase(`contract_${++dbCount}`);
}
// A cluster that failed to start has already failed the suites that needed it.
afterAll(() => cluster?.then((c) => c.stop(), () => {}));

const MIGRATIONS = readdirSync(MIGRATIONS_DIR).filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f)).sort();
const F1 = '00000000-0000-4000-8000-0000000000f1';
const F2 = '00000000-0000-4000-8000-0000000000f2';
const R = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

async function addResource(db: Db, tenant: string, id: string, name: string, text: { content: string; title?: string; context?: string }, fileId: string | null = null) {
  // The keyword document as services/sql/resources.ts builds it: content A, title B, neighbours C.
  await db.query(
    `INSERT INTO resources (id, tenant_id, file_id, name, content, uri, content_hash, search_tsv)
     VALUES ($1, $2, $3, $4, $5, $4, md5($5),
       setweight(to_tsvector('english', $5), 'A') || setweight(to_tsvector('english', $6), 'B')
       || setweight(to_tsvector('english', $7), 'C'))`,
    [id, tenant, fileId, name, text.content, text.title ?? '', text.context ?? ''],
  );
}

const addFile = (db: Db, tenant: string, id: string, uri: string) =>
  db.query(`INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key)
            VALUES ($1, $2, $3, $3, 1, 'text/plain', 'h', 'k')`, [id, tenant, uri]);

const ADAPTERS: { name: string; open: () => Promise<Db> }[] = [
  { name: 'PgliteDb (in memory)', open: () => openPglite() },
  { name: 'PostgresDb (PostgreSQL 15)', open: async () => new PostgresDb(await postgresUrl()) },
];

describe.each(ADAPTERS)('Db contract: $name', ({ open }) => {
  let db: Db;
  let applied: string[];
  beforeAll(async () => {
    db = await open();
    applied = await migrate(db);
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('t1', 't1'), ('t2', 't2')`);
  });
  afterAll(() => db?.close());

  it('applies every migration once and records it', async () => {
    expect(MIGRATIONS.length).toBeGreaterThan(0);
    expect(applied).toEqual(MIGRATIONS);
    const rows = await db.query<{ name: string; applied_at: Date }>('SELECT name, applied_at FROM schema_migrations ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
    expect(await migrate(db)).toEqual([]);
  });

  it('round-trips uuid, jsonb, timestamptz, int and text[] values', async () => {
    const meta = { title: 'Ünïcode ✓ "quoted"', tags: ['a', 'b'], n: 1.5, ok: true, none: null, deep: [1, { x: 'y' }] };
    const when = new Date('2024-02-29T12:34:56.789Z');
    await db.query(
      `INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key, metadata, indexed_at)
       VALUES ($1, 't1', 'a.txt', 'vault://types', 12, 'text/plain', 'h', 'k', $2, $3)`,
      [F1.toUpperCase(), JSON.stringify(meta), when],
    );
    const [file] = await db.query<{ id: string; metadata: unknown; indexed_at: unknown; created_at: unknown; resource_count: unknown }>(
      `SELECT id, metadata, indexed_at, created_at, resource_count FROM files WHERE id = ANY($1::uuid[])`, [[F1]]);
    expect(file?.id).toBe(F1); // canonical lower-case form, whatever case went in
    expect(file?.metadata).toEqual(meta);
    expect(file?.indexed_at).toBeInstanceOf(Date);
    expect(file?.indexed_at).toEqual(when);
    expect(file?.created_at).toBeInstanceOf(Date);
    expect(file?.resource_count).toBe(0);
    const [count] = await db.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM files WHERE tenant_id = $1`, ['t1']);
    expect(count?.n).toBe(1);

    await db.query(`INSERT INTO moments (id, tenant_id, name, emotion_tags) VALUES ($1, 't1', 'm', $2)`, [R(900), ['joy', 'calm, "quoted"']]);
    const tags = await db.query<{ emotion_tags: unknown }>(
      `SELECT emotion_tags FROM moments WHERE tenant_id = 't1' AND emotion_tags && $1::text[]`, [['calm, "quoted"', 'none']]);
    expect(tags).toEqual([{ emotion_tags: ['joy', 'calm, "quoted"'] }]);
    const nulls = await db.query<{ n: unknown }>(`SELECT count(*)::int AS n FROM files WHERE ($1::text[] IS NULL OR name = ANY($1::text[]))`, [null]);
    expect(nulls[0]?.n).toBe(1);
  });

  it('commits a transaction when fn resolves and rolls it back when fn throws', async () => {
    const out = await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO kv (tenant_id, key, value) VALUES ('t1', 'committed', '1')`);
      return 'done';
    });
    expect(out).toBe('done');
    const boom = new Error('boom');
    await expect(db.transaction(async (tx) => {
      await tx.query(`INSERT INTO kv (tenant_id, key, value) VALUES ('t1', 'rolled-back', '1')`);
      throw boom;
    })).rejects.toBe(boom);
    // A failing statement rolls back the statements before it too.
    await expect(db.transaction(async (tx) => {
      await tx.query(`INSERT INTO kv (tenant_id, key, value) VALUES ('t1', 'before-error', '1')`);
      await tx.query(`INSERT INTO kv (tenant_id, key, value) VALUES ('no-such-tenant', 'x', '1')`);
    })).rejects.toMatchObject({ code: '23503' });
    const keys = await db.query<{ key: string }>(`SELECT key FROM kv WHERE tenant_id = 't1' ORDER BY key`);
    expect(keys.map((k) => k.key)).toEqual(['committed']);
  });

  it('finds nearest neighbours through a per-provider HNSW expression index', async () => {
    await db.query(`INSERT INTO embedding_providers (id, dimension) VALUES ($1, 3), ($2, 2)`, ['p', 'q']);
    // As services/sql/embeddings.ts registerProvider: one partial index per provider, fixed dimension.
    await db.exec(`CREATE INDEX embeddings_hnsw_p ON embeddings
      USING hnsw ((embedding::vector(3)) vector_cosine_ops) WHERE provider_id = 'p'`);
    const vectors: [number, string][] = [[101, '[1,0,0]'], [102, '[0,1,0]'], [103, '[0.9,0.1,0]'], [104, '[0,0,1]']];
    for (const [n, v] of vectors) {
      await addResource(db, 't1', R(n), `vec ${n}`, { content: `vector ${n}` });
      await db.query(`INSERT INTO embeddings (tenant_id, resource_id, provider_id, content_hash, dimension, embedding)
                      VALUES ('t1', $1, 'p', 'h', 3, $2::vector)`, [R(n), v]);
    }
    // Another provider's vectors of another size share the column; the partial index leaves them out.
    await db.query(`INSERT INTO embeddings (tenant_id, resource_id, provider_id, content_hash, dimension, embedding)
                    VALUES ('t1', $1, 'q', 'h', 2, '[1,0]')`, [R(101)]);
    // As services/sql/search.ts vectorCandidates: provider inlined so the planner matches the index.
    const knn = `SELECT resource_id, (1 - (embedding::vector(3) <=> $2::vector(3)))::float8 AS score FROM embeddings
                 WHERE provider_id = 'p' AND tenant_id = $1 ORDER BY embedding::vector(3) <=> $2::vector(3) LIMIT 2`;
    const hits = await db.query<{ resource_id: string; score: number }>(knn, ['t1', '[1,0,0]']);
    expect(hits.map((h) => h.resource_id)).toEqual([R(101), R(103)]);
    expect(hits[0]?.score).toBeCloseTo(1, 5);
    const plan = await db.transaction(async (tx) => {
      // On four rows a scan, or the (provider_id, tenant_id) btree plus a sort, is cheaper than
      // the graph search; forbid both to prove the planner matches the expression index at all.
      await tx.query('SET LOCAL enable_seqscan = off');
      await tx.query('SET LOCAL enable_sort = off');
      return tx.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${knn}`, ['t1', '[1,0,0]']);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan using embeddings_hnsw_p/);
  });

  it('refuses a vector whose size is not its provider’s dimension', async () => {
    await addResource(db, 't1', R(201), 'dim', { content: 'dimension check' });
    await db.query(`INSERT INTO embedding_providers (id, dimension) VALUES ('d3', 3)`);
    const insert = (table: string, v: string) => db.query(
      table === 'embeddings'
        ? `INSERT INTO embeddings (tenant_id, resource_id, provider_id, content_hash, dimension, embedding) VALUES ('t1', $1, 'd3', 'h', 2, $2::vector)`
        : `INSERT INTO embedding_cache (tenant_id, provider_id, content_hash, embedding) VALUES ('t1', 'd3', $1, $2::vector)`,
      [table === 'embeddings' ? R(201) : 'hash', v]);
    for (const table of ['embeddings', 'embedding_cache']) {
      await expect(insert(table, '[1,2]')).rejects.toMatchObject({ code: '23514', message: expect.stringMatching(/dimension 2 does not match provider d3/) });
    }
    await insert('embedding_cache', '[1,2,3]');
  });

  it('matches misspelt names with pg_trgm word_similarity', async () => {
    await addResource(db, 't2', R(301), 'Quarterly report 2024', { content: 'x' });
    await addResource(db, 't2', R(302), 'Holiday plans', { content: 'y' });
    const rows = await db.query<{ name: string; s: number }>(
      `SELECT name, word_similarity($1, name)::float8 AS s FROM resources
       WHERE tenant_id = 't2' AND $1 <% name ORDER BY s DESC`, ['quartely']);
    expect(rows.map((r) => r.name)).toEqual(['Quarterly report 2024']);
    expect(rows[0]?.s).toBeGreaterThan(0.6);
  });

  it('ranks websearch_to_tsquery matches by A/B/C weights with ts_rank', async () => {
    await addResource(db, 't2', R(401), 'in content', { content: 'The quarterly budget review is due', title: 'Finance' });
    await addResource(db, 't2', R(402), 'in context', { content: 'Notes from the offsite', context: 'a neighbour mentions the quarterly budget' });
    await addResource(db, 't2', R(403), 'draft', { content: 'Draft of the quarterly budget' });
    const rank = (weights: number[]) => db.query<{ id: string }>(
      `SELECT id FROM resources, websearch_to_tsquery('english', $2) AS q
       WHERE tenant_id = 't2' AND search_tsv @@ q ORDER BY ts_rank($1::float4[], search_tsv, q) DESC, id`,
      [weights, '"quarterly budget" -draft']);
    // ts_rank weights are {D, C, B, A}; the phrase query excludes the draft.
    expect((await rank([0.1, 0.2, 0.4, 1])).map((r) => r.id)).toEqual([R(401), R(402)]);
    expect((await rank([0.1, 1, 0.4, 0.1])).map((r) => r.id)).toEqual([R(402), R(401)]);
  });

  it('refuses a resource or embedding that points at another tenant’s row', async () => {
    await addFile(db, 't2', F2, 'vault://other-tenant');
    await expect(addResource(db, 't1', R(501), 'stolen', { content: 'x' }, F2)).rejects.toMatchObject({ code: '23503' });
    await addResource(db, 't2', R(502), 'own', { content: 'x' }, F2);
    await db.query(`INSERT INTO embedding_providers (id, dimension) VALUES ('fk', 3)`);
    const embed = (tenant: string) => db.query(`INSERT INTO embeddings (tenant_id, resource_id, provider_id, content_hash, dimension, embedding)
                                                VALUES ($1, $2, 'fk', 'h', 3, '[1,0,0]')`, [tenant, R(502)]);
    await expect(embed('t1')).rejects.toMatchObject({ code: '23503' });
    await embed('t2');
  });
});

describe('PostgresDb on PostgreSQL 15 only', () => {
  it('serialises concurrent migrate() calls from separate pools with the advisory lock', async () => {
    const url = await postgresUrl();
    // Separate pools stand for processes starting at once: the server sees independent sessions.
    // Connections are opened first so that every migrate() reaches the server at the same moment.
    const pools = Array.from({ length: 4 }, () => new PostgresDb(url, 2));
    try {
      await Promise.all(pools.flatMap((p) => [p.query('SELECT pg_sleep(0.05)'), p.query('SELECT pg_sleep(0.05)')]));
      const results = await Promise.all([...pools, ...pools].map((p) => migrate(p)));
      expect(results.filter((r) => r.length > 0)).toEqual([MIGRATIONS]);
      const rows = await (pools[0] as Db).query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
      expect(rows.map((r) => r.name)).toEqual(MIGRATIONS);
    } finally {
      await Promise.all(pools.map((p) => p.close()));
    }
  });

  it('DbJobQueue hands each job to exactly one of 30 concurrent claimers on a 10-connection pool', async () => {
    const db = new PostgresDb(await postgresUrl(), 10);
    try {
      await migrate(db);
      await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('t1', 't1')`);
      const q = new DbJobQueue(db, { maxAttempts: 3 });
      for (let i = 0; i < 20; i++) await q.enqueue('t1', 'resources.embed', { file_id: null });
      const claims = await Promise.all(Array.from({ length: 30 }, (_, i) => q.claim(`w${i}`, 30)));
      const ids = claims.flatMap((c) => (c ? [c.id] : []));
      expect(ids).toHaveLength(20);
      expect(new Set(ids).size).toBe(20);
      expect(await q.counts('t1')).toEqual({ queued: 0, running: 20, done: 0, dead: 0 });
    } finally {
      await db.close();
    }
  });

  it('reports its pool use and the queue backlog per size tier (metrics, decision 0020)', async () => {
    const db = new PostgresDb(await postgresUrl(), 2);
    try {
      await migrate(db);
      await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('t1', 't1')`);
      await db.query(`INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key)
                      VALUES ($1, 't1', 'film.mkv', 'film.mkv', $2, 'video/x-matroska', 'h', 'k')`, [F1, 200 * 1024 * 1024]);
      const q = new DbJobQueue(db, { maxAttempts: 3 });
      await q.enqueue('t1', 'resources.embed', { file_id: null });
      await q.enqueue('t1', 'resources.embed', { file_id: null }, { delayMs: 600_000 });
      await q.enqueue('t1', 'file.process', { file_id: F1 });
      const backlog = await queueBacklog(db);
      expect(backlog.map((b) => [b.tier, b.queued])).toEqual([['small', 2], ['medium', 1], ['large', 0]]);
      // The delayed retry counts as queued but not as waiting: the age is the runnable job's.
      for (const b of backlog) expect(b.oldestSeconds).toBeGreaterThanOrEqual(0);
      expect(backlog[0]?.oldestSeconds).toBeLessThan(60);
      expect(backlog[2]?.oldestSeconds).toBe(0);

      // Three statements on a two-connection pool: one waits while the others hold both connections.
      const busy = Promise.all([1, 2, 3].map(() => db.query('SELECT pg_sleep(0.5)')));
      await waitFor(async () => db.poolStats().waiting === 1, 5_000, 10);
      expect(db.poolStats()).toMatchObject({ total: 2, idle: 0 });
      await busy;
      expect(db.poolStats()).toEqual({ total: 2, idle: 2, waiting: 0 });
    } finally {
      await db.close();
    }
  });

  it('survives the server ending a connection that a transaction or a bounded read holds (a restart)', async () => {
    const url = await postgresUrl();
    const db = new PostgresDb(url, 3);
    const admin = new PostgresDb(url, 1);
    // An 'error' event nobody listens to is an uncaught exception: it would fail this file.
    try {
      const kill = async (marker: string) => {
        await waitFor(async () => (await admin.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`])).length > 0, 10_000, 20);
        await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`]);
      };
      const tx = db.transaction((t) => t.query(`SELECT pg_sleep(30) AS tx_marker_1`));
      await kill('tx_marker_1');
      await expect(tx).rejects.toThrow();
      const ro = db.readOnly((t) => t.query(`SELECT pg_sleep(30) AS ro_marker_2`), { timeoutMs: 60_000 });
      await kill('ro_marker_2');
      await expect(ro).rejects.toThrow();
      // The dead connections were discarded: the pool serves the next callers on fresh ones.
      for (let i = 0; i < 4; i++) expect(await db.transaction((t) => t.query<{ n: number }>('SELECT 1 AS n'))).toEqual([{ n: 1 }]);
      expect(await db.query<{ n: number }>('SELECT 2 AS n')).toEqual([{ n: 2 }]);
    } finally {
      await admin.close();
      await db.close();
    }
  });
});
