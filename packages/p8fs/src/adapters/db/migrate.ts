import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db } from '../../ports/db.js';

/** The migrations folder shipped with the package (packages/p8fs/migrations). */
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../migrations');

const NAME = /^(\d{4})_[a-z0-9_]+\.sql$/;
const CREATE_LEDGER = `CREATE TABLE IF NOT EXISTS schema_migrations (
  name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`;

/** Apply forward-only numbered .sql migrations not yet recorded; returns the names applied. */
export async function migrate(db: Db, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir).filter((f) => NAME.test(f)).sort();
  // On PostgreSQL several processes may start at once: an advisory lock serialises them
  // (even CREATE TABLE IF NOT EXISTS races between sessions).
  if (db.kind === 'postgres') return migrateLocked(db, dir, files);
  await db.exec(CREATE_LEDGER);
  return applyPending(db, dir, files);
}

async function migrateLocked(db: Db, dir: string, files: string[]): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(8808)');
    await tx.query(CREATE_LEDGER);
    const done = new Set((await tx.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
    const applied: string[] = [];
    for (const f of files) {
      if (done.has(f)) continue;
      await tx.query(readFileSync(join(dir, f), 'utf8'));
      await tx.query('INSERT INTO schema_migrations (name) VALUES ($1)', [f]);
      applied.push(f);
    }
    return applied;
  });
}

async function applyPending(db: Db, dir: string, files: string[]): Promise<string[]> {
  const done = new Set((await db.query<{ name: string }>('SELECT name FROM schema_migrations')).map((r) => r.name));
  const applied: string[] = [];
  for (const f of files) {
    if (done.has(f)) continue;
    const sql = readFileSync(join(dir, f), 'utf8');
    // One transaction per file: a failed migration leaves no half-applied schema.
    await db.exec(`BEGIN;\n${sql}\nINSERT INTO schema_migrations (name) VALUES ('${f}');\nCOMMIT;`);
    applied.push(f);
  }
  return applied;
}
