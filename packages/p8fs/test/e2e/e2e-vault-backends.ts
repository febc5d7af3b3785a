import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { type PgCluster, startPgCluster } from '../pg-cluster.js';
import { bucketObjects, startTestS3, type TestS3 } from '../s3.js';
import type { Backend } from './e2e-vault.scenario.js';

// The two server backends of the end-to-end vault story, and how each is searched afterwards.

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

const TABLES = `SELECT table_schema AS s, table_name AS t FROM information_schema.tables
  WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2`;
const VECTORS = `SELECT embedding::text AS v FROM embeddings UNION ALL SELECT embedding::text AS v FROM embedding_cache`;

/** Every row of every table (every column: the row as text, bytea as hex). */
async function dumpAll(query: Query): Promise<string> {
  const out: string[] = [];
  for (const { s, t } of (await query(TABLES)) as { s: string; t: string }[]) {
    for (const r of await query(`SELECT x::text AS row FROM "${s}"."${t}" x`)) out.push(`${t}: ${r.row as string}`);
  }
  return out.join('\n');
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

/** The embedded server: PGlite in <dataDir>/db and blobs in <dataDir>/blobs. */
export function embeddedBackend(): Backend {
  const withDb = async <T>(serverDir: string, fn: (q: Query) => Promise<T>): Promise<T> => {
    const { openPglite } = await import('../../src/adapters/db/pglite.js');
    const db = await openPglite(join(serverDir, 'db'));
    try {
      return await fn((sql) => db.query(sql));
    } finally {
      await db.close();
    }
  };
  return {
    env: async () => ({}),
    dump: (dir) => withDb(dir, dumpAll),
    vectors: (dir) => withDb(dir, async (q) => (await q(VECTORS)).map((r) => r.v as string)),
    objects: async (dir) => walk(join(dir, 'blobs')).map((p) => ({ name: p, bytes: readFileSync(p) })),
    stop: async () => {},
  };
}

/** PostgreSQL 15 (+ pgvector) and a Ceph RGW bucket. */
export function postgresBackend(): Backend {
  let cluster: PgCluster | undefined;
  let s3: TestS3 | undefined;
  let bucket = '';
  const withDb = async <T>(fn: (q: Query) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: cluster?.url });
    await client.connect();
    try {
      return await fn(async (sql) => (await client.query(sql)).rows as Record<string, unknown>[]);
    } finally {
      await client.end();
    }
  };
  return {
    async env() {
      [cluster, s3] = await Promise.all([startPgCluster(), startTestS3()]);
      bucket = await s3.createBucket();
      return {
        P8FS_STORAGE_PROVIDER: 'postgres', P8FS_PG_URL: cluster.url,
        P8FS_BLOB_PROVIDER: 's3', P8FS_S3_ENDPOINT: s3.endpoint, P8FS_S3_ACCESS_KEY: s3.accessKey, P8FS_S3_SECRET_KEY: s3.secretKey,
        P8FS_S3_BUCKET: bucket, P8FS_S3_REGION: s3.region,
      };
    },
    dump: () => withDb(dumpAll),
    vectors: () => withDb(async (q) => (await q(VECTORS)).map((r) => r.v as string)),
    async objects() {
      const client = (s3 as TestS3).client();
      try {
        return await bucketObjects(client, bucket);
      } finally {
        client.destroy();
      }
    },
    stop: async () => {
      await Promise.all([cluster?.stop(), s3?.stop()]);
    },
  };
}
