import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { guardSql } from './sql-guard.js';

async function refused(sql: string): Promise<AppError> {
  try {
    await guardSql(sql);
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error(`accepted: ${sql}`);
}

describe('guardSql: accepts read-only SELECTs', () => {
  it.each([
    ['SELECT 1'],
    ['select r.name, f.name from resources r join files f on f.id = r.file_id where r.category = $$note$$'],
    ['SELECT category, count(*) FROM resources GROUP BY category HAVING count(*) > 1 ORDER BY 2 DESC'],
    ['WITH recent AS (SELECT * FROM moments WHERE starts_at > now() - interval \'7 days\') SELECT name FROM recent'],
    ['SELECT name, row_number() OVER (PARTITION BY category ORDER BY created_at) FROM resources'],
    ["SELECT metadata->>'author', jsonb_array_length(graph_paths) FROM resources WHERE metadata @> '{\"a\":1}'"],
    ['SELECT name FROM resources WHERE file_id IN (SELECT id FROM files WHERE status = \'indexed\') UNION SELECT name FROM agents'],
    ['SELECT extract(year FROM created_at), substring(name FROM 1 FOR 3), trim(both \' \' FROM name) FROM files'],
    ['SELECT similarity(name, \'sarah\') AS s FROM entities ORDER BY s DESC'],
    ["SELECT ts_rank(to_tsvector('english', content), websearch_to_tsquery('english', 'budget')) FROM resources"],
    ['SELECT e.rel_type, count(*) FROM edges e JOIN labels l ON l.label_key = e.src_key GROUP BY 1'],
    ['SELECT x.k FROM resources r, LATERAL jsonb_each(r.metadata) AS x(k, v)'],
    ['SELECT name::text, size::bigint, created_at::date, CURRENT_DATE FROM files LIMIT 1000000'],
  ])('%s', async (sql) => {
    await expect(guardSql(sql)).resolves.toBeTruthy();
  });

  it('wraps only the referenced tables with the tenant predicate and safe columns', async () => {
    const g = await guardSql('SELECT name FROM files JOIN resources r ON r.file_id = files.id;', 50);
    expect(g.tables).toEqual(['files', 'resources']);
    expect(g.text).toContain('files AS (SELECT id, tenant_id, name, uri, size');
    expect(g.text).toContain('FROM public.resources WHERE tenant_id = $1');
    expect(g.text).not.toMatch(/search_tsv|content_hash|blob_key/);
    expect(g.text).toMatch(/\nSELECT name FROM files JOIN resources r ON r\.file_id = files\.id\n\) AS rem_result LIMIT 51$/);
    expect((await guardSql('SELECT 1')).text).toBe('SELECT * FROM (\nSELECT 1\n) AS rem_result LIMIT 101');
  });

  it('keeps a trailing line comment from swallowing the wrapper', async () => {
    expect((await guardSql('SELECT 1 -- note')).text).toContain('SELECT 1 -- note\n) AS rem_result');
  });

  it('slices by bytes, so non-ASCII text keeps its statement intact', async () => {
    expect((await guardSql("SELECT 'café ☕' AS x;")).text).toContain("\nSELECT 'café ☕' AS x\n)");
  });
});

describe('guardSql: refuses', () => {
  it.each([
    // tenant escape
    ['SELECT * FROM public.resources', 'schema-qualified table public.resources'],
    ['SELECT * FROM pg_catalog.pg_tables', 'schema-qualified table pg_catalog.pg_tables'],
    ['SELECT * FROM pg_class', 'table pg_class is not one REM can read'],
    ['SELECT * FROM tenants', 'table tenants is not one REM can read'],
    ['SELECT * FROM embeddings', 'table embeddings'],
    ['WITH pg_class AS (SELECT * FROM pg_class) SELECT * FROM pg_class', 'table pg_class'],
    ['WITH resources AS (SELECT * FROM public.resources) SELECT * FROM resources', 'schema-qualified table public.resources'],
    ['WITH a AS (SELECT * FROM b), b AS (SELECT 1) SELECT * FROM a', 'table b is not one'],
    // writes
    ["INSERT INTO resources (name) VALUES ('x')", 'INSERT statements are not allowed'],
    ["UPDATE files SET name = 'x'", 'UPDATE statements are not allowed'],
    ['DELETE FROM files', 'DELETE statements are not allowed'],
    ['DROP TABLE files', 'DROP statements are not allowed'],
    ['TRUNCATE files', 'TRUNCATE statements are not allowed'],
    ['WITH d AS (DELETE FROM files RETURNING *) SELECT * FROM d', 'DELETE statements are not allowed'],
    ['SELECT * INTO stolen FROM resources', 'SELECT INTO creates a table'],
    ['SELECT * FROM files FOR UPDATE', 'FOR UPDATE / FOR SHARE'],
    ["COPY files TO PROGRAM 'curl evil'", 'COPY statements are not allowed'],
    ["COPY (SELECT 1) TO '/tmp/x'", 'COPY statements are not allowed'],
    ['SET statement_timeout = 0', 'VARIABLE SET statements'],
    // stacked statements, comments hiding a second statement
    ['SELECT 1; DROP TABLE files', 'exactly one SELECT statement is allowed, found 2'],
    ['SELECT 1 /* ; */; DELETE FROM files', 'found 2'],
    ['SELECT 1 --\n; DROP TABLE files', 'found 2'],
    // server functions
    ["SELECT pg_read_file('/etc/passwd')", 'function pg_read_file() is not allowed'],
    ["SELECT * FROM pg_ls_dir('.')", 'function pg_ls_dir() is not allowed'],
    ["SELECT lo_import('/etc/passwd')", 'function lo_import() is not allowed'],
    ['SELECT pg_sleep(10)', 'function pg_sleep() is not allowed'],
    ["SELECT set_config('search_path', 'x', false)", 'function set_config() is not allowed'],
    ["SELECT current_setting('data_directory')", 'function current_setting() is not allowed'],
    ['SELECT * FROM generate_series(1, 1000000000)', 'function generate_series() is not allowed'],
    ["SELECT query_to_xml('select * from tenants', true, true, '')", 'function query_to_xml() is not allowed'],
    ["SELECT dblink('host=x', 'select 1')", 'function dblink() is not allowed'],
    ['SELECT pg_catalog.pg_sleep(1)', 'function pg_sleep() is not allowed'],
    ["SELECT public.similarity('a', 'b')", 'schema-qualified function public.similarity'],
    ['SELECT current_user', 'CURRENT_USER is not allowed'],
    // parameters, catalog casts, system columns, recursion, odd syntax
    ['SELECT $1', 'parameters ($1) are not allowed'],
    ["SELECT 'pg_authid'::regclass", 'cast to type regclass is not allowed (reg* casts'],
    ["SELECT CAST('now' AS pg_catalog.regproc)", 'cast to type pg_catalog.regproc'],
    ['SELECT 1::record', 'cast to type record'],
    ['SELECT ctid, xmin FROM resources', 'system column ctid'],
    ['WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t) SELECT * FROM t', 'WITH RECURSIVE is not allowed'],
    ["SELECT * FROM xmltable('/a' PASSING '<a/>' COLUMNS x int)", 'XMLTABLE is not allowed'],
    ['SELECT 1 OPERATOR(public.+) 1', 'operator public.+'],
    ['(SELECT 1 FROM files FOR SHARE) UNION SELECT 2', 'FOR UPDATE / FOR SHARE'],
  ])('%s', async (sql, reason) => {
    const err = await refused(sql);
    expect(err.code).toBe('rem.not_allowed');
    expect(err.message).toContain(reason);
  });

  it('points at the offending node', async () => {
    const err = await refused('SELECT name FROM resources r JOIN tenants t ON true');
    expect(err.details).toMatchObject({ position: 34, found: 'tenants' });
    expect(err.message.split('\n').at(-1)?.indexOf('^')).toBe(2 + 34);
  });

  it('reports PostgreSQL syntax errors as rem.syntax at the right place', async () => {
    const err = await refused('SELECT FROM WHERE (');
    expect(err.code).toBe('rem.syntax');
    expect(err.details).toMatchObject({ position: 12, found: 'WHERE' });
    expect(err.message).toContain('syntax error at or near "WHERE"');
  });

  it('refuses a row cap out of bounds', async () => {
    await expect(guardSql('SELECT 1', 1001)).rejects.toMatchObject({ code: 'rem.limit' });
  });
});
