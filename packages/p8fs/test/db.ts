import { migrate } from '../src/adapters/db/migrate.js';
import { openPglite, type PgliteDb } from '../src/adapters/db/pglite.js';

/** A migrated in-memory database with the given tenants, for adapter tests. */
export async function createTestDb(tenants: string[] = ['t1']): Promise<PgliteDb> {
  const db = await openPglite();
  await migrate(db);
  for (const t of tenants) await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [t]);
  return db;
}

