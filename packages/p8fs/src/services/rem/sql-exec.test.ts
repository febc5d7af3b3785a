import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { createTestApp, waitFor } from '../../../test/support.js';
import type { App } from '../../app.js';
import { ownerActor } from '../../domain/actor.js';
import { guardSql } from './sql-guard.js';
import { QueryBudget } from '../query-budget.js';
import { execGuarded, SQL_MAX_COST } from './sql-exec.js';

let app: App & { dataDir: string };
let mine: string;
const OTHER = 'tenant-other';

/** Two tenants with files, chunks and a moment each; the other tenant's text says SECRET. */
async function seed(tenant: string, word: string): Promise<void> {
  const db = app.db;
  await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING`, [tenant]);
  const [file] = await db.query<{ id: string }>(
    `INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key, metadata)
     VALUES (gen_random_uuid(), $1, $2 || '.md', 'notes/' || $2::text || '.md', 10, 'text/markdown', 'h', 'k', jsonb_build_object('author', $2::text))
     RETURNING id`, [tenant, word]);
  for (const [i, cat] of ['document', 'document', 'note'].entries()) {
    await db.query(
      `INSERT INTO resources (id, tenant_id, file_id, name, category, content, ordinal, uri, content_hash, search_tsv, metadata)
       VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 'h', to_tsvector($5), $8::jsonb)`,
      [tenant, file?.id, `${word} chunk ${i}`, cat, `${word} budget text ${i}`, i, `notes/${word}.md#chunk=${i}`, JSON.stringify({ tags: [word, 'x'] })]);
  }
  await db.query(`INSERT INTO moments (id, tenant_id, name, topic_tags) VALUES (gen_random_uuid(), $1, $2 || ' offsite', ARRAY['plan'])`, [tenant, word]);
}

const budget = (ms = 5_000) => new QueryBudget(ms);

async function run(sql: string, cap?: number) {
  return execGuarded(app.db, mine, await guardSql(sql, cap), budget());
}

beforeAll(async () => {
  app = await createTestApp();
  mine = app.config.tenantId;
  await seed(mine, 'mine');
  await seed(OTHER, 'SECRET');
});
afterAll(() => app?.close());

describe('REM SQL on PGlite', () => {
  it('joins, groups and aggregates over the caller rows only', async () => {
    const r = await run(`SELECT f.name AS file, r.category, count(*)::int AS n FROM resources r JOIN files f ON f.id = r.file_id
                         GROUP BY 1, 2 ORDER BY 2`);
    expect(r.rows).toEqual([{ file: 'mine.md', category: 'document', n: 2 }, { file: 'mine.md', category: 'note', n: 1 }]);
    expect(r.columns).toEqual(['file', 'category', 'n']);
    expect(r.truncated).toBe(false);
  });

  it('runs CTEs, subqueries, windows and jsonb reads', async () => {
    const r = await run(`WITH docs AS (SELECT * FROM resources WHERE category = 'document')
      SELECT name, row_number() OVER (ORDER BY ordinal DESC) AS rn, metadata->'tags'->>0 AS tag,
             (SELECT count(*) FROM moments)::int AS moments
      FROM docs WHERE file_id IN (SELECT id FROM files) ORDER BY rn`);
    expect(r.rows).toEqual([
      { name: 'mine chunk 1', rn: 1, tag: 'mine', moments: 1 },
      { name: 'mine chunk 0', rn: 2, tag: 'mine', moments: 1 },
    ]);
  });

  it('never returns another tenant row, whatever the predicate says', async () => {
    const all = await run(`SELECT tenant_id, content FROM resources WHERE tenant_id <> '${mine}' OR true
                           UNION ALL SELECT tenant_id, name FROM moments UNION ALL SELECT tenant_id, name FROM files`);
    expect(all.rows.length).toBe(5);
    expect(all.rows.every((row) => row.tenant_id === mine)).toBe(true);
    expect(JSON.stringify(all.rows)).not.toContain('SECRET');
    const other = await run(`SELECT * FROM resources WHERE tenant_id = '${OTHER}'`);
    expect(other.rows).toEqual([]);
    // A CTE named like a table reads the tenant-bound table, not the real one.
    const shadow = await run('WITH resources AS (SELECT * FROM resources) SELECT count(*)::int AS n FROM resources');
    expect(shadow.rows).toEqual([{ n: 3 }]);
  });

  it('hides internal columns', async () => {
    await expect(run('SELECT search_tsv FROM resources')).rejects.toMatchObject({ code: 'rem.sql_error' });
    await expect(run('SELECT blob_key FROM files')).rejects.toMatchObject({ code: 'rem.sql_error', message: expect.stringContaining('blob_key') });
  });

  it('caps rows and says so; the statement own LIMIT cannot lift the cap', async () => {
    const r = await run('SELECT name FROM resources LIMIT 1000000', 2);
    expect(r.rows.length).toBe(2);
    expect(r.truncated).toBe(true);
    expect((await run('SELECT name FROM resources', 3)).truncated).toBe(false);
  });

  it('maps PostgreSQL errors to rem.sql_error with the server message', async () => {
    await expect(run('SELECT 1 / 0')).rejects.toMatchObject({ code: 'rem.sql_error', message: 'SQL error: division by zero', details: { sqlstate: '22012' } });
    await expect(run('SELECT nope FROM files')).rejects.toMatchObject({ code: 'rem.sql_error' });
  });

  it('reads the graph tables of migration 0004', async () => {
    const r = await run('SELECT count(*)::int AS n FROM labels WHERE entity_table = \'moments\'');
    expect(r.rows).toEqual([{ n: 1 }]);
  });

  it('runs in a read-only transaction even if a write got past the guard', async () => {
    const forged = { text: 'INSERT INTO tenants (tenant_id, name) VALUES ($1 || \'-x\', \'x\') RETURNING tenant_id', tables: ['x'], cap: 10 };
    await expect(execGuarded(app.db, mine, forged, budget())).rejects.toMatchObject({ code: 'rem.sql_error', details: { sqlstate: '25006' } });
  });

  it('refuses a statement the planner prices above SQL_MAX_COST before running it', async () => {
    // The outside attack's statement (format is no longer allowed, so it is forged past the guard here).
    const cross = "SELECT count(*) FROM unnest(string_to_array(format('%15000s', ''), NULL)) a, unnest(string_to_array(format('%15000s', ''), NULL)) b";
    await expect(run(cross)).rejects.toMatchObject({ code: 'rem.not_allowed' });
    const err = await execGuarded(app.db, mine, { text: cross, tables: [], cap: 1 }, budget()).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'rem.limit', details: { max_cost: SQL_MAX_COST } });
    expect((err as { details: { estimated_cost: number } }).details.estimated_cost).toBeGreaterThan(SQL_MAX_COST);
  });

  it('leaves the database intact after refused injections', async () => {
    for (const sql of ['SELECT 1; DROP TABLE files', 'DELETE FROM files', 'SELECT 1 /* */; DELETE FROM resources --']) {
      await expect(run(sql)).rejects.toMatchObject({ code: 'rem.not_allowed' });
    }
    const [row] = await app.db.query<{ n: number }>('SELECT count(*)::int AS n FROM files');
    expect(row?.n).toBe(2);
  });
});

// The guard's wrapper must mean the same on PostgreSQL 15, which also honours the statement timeout.
describe('REM SQL on PostgreSQL 15', () => {
  let cluster: PgCluster;
  let pgApp: App & { dataDir: string };
  beforeAll(async () => {
    cluster = await startPgCluster();
    pgApp = await createTestApp({ storageProvider: 'postgres', pgUrl: await cluster.createDatabase('rem') });
    await pgApp.db.query(`INSERT INTO tenants (tenant_id, name) VALUES ('other', 'other')`);
    await pgApp.services.resources.writeSequence(ownerActor(pgApp.config.tenantId), [{ name: 'mine', content: 'budget' }]);
    await pgApp.services.resources.writeSequence(ownerActor('other'), [{ name: 'SECRET', content: 'budget' }]);
  }, 120_000);
  afterAll(async () => {
    await pgApp?.close();
    await cluster?.stop();
  });

  it('returns only the caller rows and maps errors', async () => {
    const tenant = pgApp.config.tenantId;
    const r = await execGuarded(pgApp.db, tenant, await guardSql("SELECT name, count(*) OVER () AS n FROM resources WHERE tenant_id <> 'x'"), budget());
    expect(r.rows).toEqual([{ name: 'mine', n: '1' }]);
    await expect(execGuarded(pgApp.db, tenant, await guardSql('SELECT 1/0'), budget())).rejects.toMatchObject({ code: 'rem.sql_error' });
  });

  it('cancels a statement past its budget as rem.timeout', async () => {
    // pg_sleep never passes the guard: the statement is forged to exercise the timeout alone.
    const slow = { text: 'SELECT pg_sleep(5)', tables: [], cap: 1 };
    await expect(execGuarded(pgApp.db, pgApp.config.tenantId, slow, budget(100))).rejects.toMatchObject({ code: 'rem.timeout' });
    // The pool's connections still work: the cancelled one was discarded, not handed to the next caller.
    expect((await run2(pgApp, 'SELECT count(*)::int AS n FROM resources')).rows).toEqual([{ n: 1 }]);
  });

  it('cancels a statement whose caller went away', async () => {
    const abort = new AbortController();
    const slow = execGuarded(pgApp.db, pgApp.config.tenantId, { text: 'SELECT pg_sleep(30)', tables: [], cap: 1 }, new QueryBudget(60_000, abort.signal));
    // Cancel once the statement is running on the server, seen from another connection.
    await waitFor(async () => (await pgApp.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`))[0]?.n === 1);
    abort.abort();
    await expect(slow).rejects.toMatchObject({ code: 'query.cancelled' });
    await waitFor(async () => (await pgApp.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'`))[0]?.n === 0);
  });
});

async function run2(a: App, sql: string) {
  return execGuarded(a.db, a.config.tenantId, await guardSql(sql), budget());
}
