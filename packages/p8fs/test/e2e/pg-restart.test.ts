import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PgCluster, startPgCluster } from '../pg-cluster.js';
import { BlobGate } from './blob-gate.js';
import { assertBuilt, cleanup, p8fs, poll, Running, tempDir, vaultEnv } from './cli.js';

const FILES = 40;

/** A note long enough for several chunks, different per file. */
function note(i: number): string {
  const paragraphs = Array.from({ length: 12 }, (_, p) =>
    `Paragraph ${p} of note ${i}: the harbour log records ${i * 7 + p} crates of figs, ${p + 3} ropes and one lantern numbered ${i}-${p}.`);
  return `# Harbour note ${i}\n\n${paragraphs.join('\n\n')}\n`;
}

// PostgreSQL goes away while both workers are busy: jobs in flight fail and retry, idle pooled
// connections are dropped (and must not crash the process), and every file still ends indexed
// with exactly its own chunks. "Busy" is built, not timed: the last notes' blobs are pipes the test
// holds (BlobGate), so both worker slots are inside a job when PostgreSQL stops, and go on after.
const HELD = 3; // more than the two worker slots: both end up inside a held job
describe('restarting PostgreSQL mid-ingest loses nothing and duplicates nothing', () => {
  let cluster: PgCluster;
  let dir: string;
  let notes: string;
  let server: Running;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    assertBuilt();
    cluster = await startPgCluster();
    dir = tempDir('pg-restart');
    notes = tempDir('pg-restart-notes');
    mkdirSync(notes, { recursive: true });
    for (let i = 0; i < FILES; i++) writeFileSync(join(notes, `note-${i}.md`), note(i));
    env = vaultEnv(dir, { P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: cluster.url, P8FS_CHUNK_TOKENS: '64', P8FS_CHUNK_OVERLAP_TOKENS: '0' });
  }, 150_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await cluster?.stop();
    cleanup(dir, notes);
  });

  /** The stored blob keys of these files (by name), from the database. */
  async function blobKeysOf(names: string[]): Promise<string[]> {
    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const { rows } = await db.query<{ blob_key: string }>('SELECT blob_key FROM files WHERE name = ANY($1)', [names]);
      expect(rows).toHaveLength(names.length);
      return rows.map((r) => r.blob_key);
    } finally {
      await db.end();
    }
  }

  it('every file ends indexed, once, with contiguous chunks, and the server keeps serving', async () => {
    // Queued before the server runs; then the held notes' blobs become pipes. With more held jobs than
    // worker slots, each slot ends up inside one, whatever order the jobs come in.
    const ingest = await p8fs(['ingest', notes, '-r'], env, 120_000);
    expect(ingest.code, ingest.stderr).toBe(0);
    const heldNames = Array.from({ length: HELD }, (_, k) => `note-${FILES - HELD + k}.md`);
    const gates = await blobKeysOf(heldNames).then((keys) => keys.map((k) => new BlobGate(join(dir, 'blobs', k))));
    server = new Running(['serve', '--port', '0', '--workers', '2'], env);
    await server.listening();
    await server.until(() => gates.filter((g) => g.hasReader()).length === 2, 'both workers inside a held job', 180_000);
    // Down for 3 s while both workers are inside a job; then the held jobs go on, over a new database session.
    await cluster.restart(3000);
    for (const g of gates) g.release();

    const db = new pg.Client({ connectionString: cluster.url });
    await db.connect();
    try {
      const statuses = await poll(async () => {
        const { rows } = await db.query<{ status: string; n: number }>('SELECT status, count(*)::int AS n FROM files GROUP BY status');
        const done = rows.find((r) => r.status === 'indexed')?.n === FILES;
        return done || rows.some((r) => r.status === 'failed') ? rows : null;
      }, 'every file indexed after the restart', 180_000).catch(async (err: unknown) => {
        const files = await db.query('SELECT status, count(*)::int AS n FROM files GROUP BY status');
        const jobs = await db.query('SELECT type, status, attempts, last_error, run_at, locked_until FROM jobs ORDER BY updated_at DESC LIMIT 20');
        throw new Error(`${String(err)}\nfiles: ${JSON.stringify(files.rows)}\njobs: ${JSON.stringify(jobs.rows, null, 1)}\nserver: ${server.stderr.slice(-3000)}`);
      });
      expect(statuses).toEqual([{ status: 'indexed', n: FILES }]);

      // Each file's chunks: as many rows as its resource_count, ordinals 0..n-1, no duplicates.
      const { rows } = await db.query<{ uri: string; resource_count: number; n: number; distinct_ordinals: number; max_ordinal: number }>(
        `SELECT f.uri, f.resource_count, count(r.id)::int AS n, count(DISTINCT r.ordinal)::int AS distinct_ordinals, max(r.ordinal) AS max_ordinal
         FROM files f JOIN resources r ON r.file_id = f.id AND r.tenant_id = f.tenant_id GROUP BY f.uri, f.resource_count`,
      );
      expect(rows).toHaveLength(FILES);
      for (const r of rows) {
        expect(r.n, r.uri).toBe(r.resource_count);
        expect(r.distinct_ordinals, r.uri).toBe(r.n);
        expect(r.max_ordinal, r.uri).toBe(r.n - 1);
        expect(r.n, r.uri).toBeGreaterThan(1);
      }
      const [{ missing }] = (await db.query<{ missing: number }>(
        `SELECT count(*)::int AS missing FROM resources r WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.resource_id = r.id)`,
      )).rows as [{ missing: number }];
      expect(missing).toBe(0);
    } finally {
      await db.end();
    }
    expect(server.child.exitCode).toBeNull();
    const search = await p8fs(['search', 'lantern numbered 7-3', '--json'], env);
    expect(search.code, search.stderr).toBe(0);
    expect(search.stdout).toContain('note-7.md');
  }, 300_000);
});
