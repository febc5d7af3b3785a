import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb } from '../../test/db.js';
import type { PgliteDb } from '../adapters/db/pglite.js';
import type { Logger } from '../ports/logger.js';
import { PlannerStats } from './planner-stats.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe('PlannerStats on PGlite', () => {
  let db: PgliteDb;
  const reltuples = async () =>
    (await db.query<{ n: number }>(`SELECT reltuples::float8 AS n FROM pg_class WHERE relname = 'resources'`))[0]!.n;
  beforeAll(async () => {
    db = await createTestDb(['t1']);
  });
  afterAll(() => db.close());

  it('analyses never-analysed tables at startup and again after enough writes', async () => {
    expect(await reltuples()).toBeLessThan(0); // never analysed
    const stats = new PlannerStats(db, quiet);
    await stats.init();
    expect(await reltuples()).toBe(0);
    await db.query(
      `INSERT INTO resources (id, tenant_id, name, content, uri, content_hash, search_tsv)
       SELECT gen_random_uuid(), 't1', 'r' || i, 'text ' || i, 'u' || i, 'h' || i, to_tsvector('english', 'text ' || i)
       FROM generate_series(1, 600) AS i`);
    await stats.noteWrites(100);
    expect(await reltuples()).toBe(0); // below the threshold: no work
    await stats.noteWrites(500);
    expect(await reltuples()).toBe(600);
  });
});
