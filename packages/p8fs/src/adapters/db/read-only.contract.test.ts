import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { waitFor } from '../../../test/support.js';
import type { Db } from '../../ports/db.js';
import { openPglite } from './pglite.js';
import { openPgliteWorker, type PgliteWorkerDb } from './pglite-worker.js';
import { PostgresDb } from './postgres.js';

// Db.readOnly, the bound on every read a caller shapes: the same promises on the adapters that can
// stop a statement (PGlite in its own thread, PostgreSQL). A statement that runs for minutes is
// stopped at its budget or when its caller goes away, and the database serves the next caller.

// Minutes of work on either engine: far past any budget below.
const RUNAWAY = 'SELECT count(*) FROM generate_series(1, 2000000000) a';

let cluster: Promise<PgCluster> | undefined;
const dirs: string[] = [];
afterAll(async () => {
  await cluster?.then((c) => c.stop(), () => {});
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ADAPTERS: { name: string; open: () => Promise<Db>; active: (db: Db) => Promise<boolean> }[] = [
  {
    name: 'PgliteWorkerDb (file-backed, own thread)',
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), 'p8fs-ro-'));
      dirs.push(dir);
      return openPgliteWorker(join(dir, 'db'));
    },
    // One session: the runaway is running once the engine holds the lock with nobody else inside.
    active: async () => true,
  },
  {
    name: 'PostgresDb (PostgreSQL 15)',
    open: async () => {
      cluster ??= startPgCluster();
      return new PostgresDb(await (await cluster).createDatabase('readonly'));
    },
    active: async (db) =>
      (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'active'`, [RUNAWAY]))[0]?.n === 1,
  },
];

describe.each(ADAPTERS)('Db.readOnly: $name', ({ open, active }) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
    await db.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await db.query(`INSERT INTO notes VALUES (1, 'kept')`);
  }, 120_000);
  afterAll(() => db?.close());

  it('reads, and refuses writes (READ ONLY)', async () => {
    expect(await db.readOnly((tx) => tx.query('SELECT body FROM notes'), { timeoutMs: 10_000 })).toEqual([{ body: 'kept' }]);
    await expect(db.readOnly((tx) => tx.query(`INSERT INTO notes VALUES (2, 'x')`), { timeoutMs: 10_000 })).rejects.toMatchObject({ code: '25006' });
  });

  it('stops a statement past its budget with query.timeout, and serves the next caller', async () => {
    await expect(db.readOnly((tx) => tx.query(RUNAWAY), { timeoutMs: 500 })).rejects.toMatchObject({ code: 'query.timeout' });
    expect(await db.query('SELECT body FROM notes WHERE id = 1')).toEqual([{ body: 'kept' }]);
  });

  it('a caller queued behind a runaway gets the database once it is stopped', async () => {
    const runaway = db.readOnly((tx) => tx.query(RUNAWAY), { timeoutMs: 1_500 }).catch((e: unknown) => e);
    const next = db.query<{ body: string }>('SELECT body FROM notes WHERE id = 1');
    expect(await next).toEqual([{ body: 'kept' }]);
    expect(await runaway).toMatchObject({ code: 'query.timeout' });
  });

  it('stops a statement whose caller went away with query.cancelled', async () => {
    const abort = new AbortController();
    const running = db.readOnly((tx) => tx.query(RUNAWAY), { timeoutMs: 120_000, signal: abort.signal });
    await waitFor(() => active(db).catch(() => false));
    abort.abort();
    await expect(running).rejects.toMatchObject({ code: 'query.cancelled' });
    expect(await db.query('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1 }]);
  });

  it('refuses at once a read whose caller is already gone', async () => {
    const abort = new AbortController();
    abort.abort();
    await expect(db.readOnly((tx) => tx.query('SELECT 1'), { timeoutMs: 10_000, signal: abort.signal })).rejects.toMatchObject({ code: 'query.cancelled' });
  });
});

describe('PgliteWorkerDb: what a stopped engine keeps', () => {
  it('keeps every committed write across a stop, and replaces the engine once per stop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p8fs-ro-'));
    dirs.push(dir);
    const db = (await openPgliteWorker(join(dir, 'db'), ['SET work_mem = 8192'])) as PgliteWorkerDb;
    try {
      await db.exec('CREATE TABLE t (n int)');
      await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (1), (2)');
      });
      await expect(db.readOnly((tx) => tx.query(RUNAWAY), { timeoutMs: 300 })).rejects.toMatchObject({ code: 'query.timeout' });
      expect(db.engineRestarts).toBe(1);
      expect(await db.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
      // The init statements ran again on the new engine (a session setting).
      expect(await db.query(`SELECT current_setting('work_mem') AS v`)).toEqual([{ v: '8MB' }]);
      // A failed write transaction rolls back and leaves the engine as it was.
      await expect(db.transaction(async (tx) => {
        await tx.query('INSERT INTO t VALUES (3)');
        throw new Error('changed my mind');
      })).rejects.toThrow('changed my mind');
      expect(await db.query('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 2 }]);
      expect(db.engineRestarts).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('reports SQL errors with their SQLSTATE, as PGlite in process does', async () => {
    const [inProcess, dir] = [await openPglite(), mkdtempSync(join(tmpdir(), 'p8fs-ro-'))];
    dirs.push(dir);
    const worker = await openPgliteWorker(join(dir, 'db'));
    try {
      const errOf = (db: Db) => db.query('SELECT * FROM missing_table').catch((e: unknown) => e as Record<string, unknown>);
      const [a, b] = [await errOf(inProcess), await errOf(worker)];
      expect(b).toBeInstanceOf(Error);
      expect({ code: b.code, message: b.message }).toEqual({ code: a.code, message: a.message });
      expect(b.code).toBe('42P01');
    } finally {
      await worker.close();
      await inProcess.close();
    }
  });
});
