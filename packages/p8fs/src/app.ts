import { join } from 'node:path';
import pino from 'pino';
import { FsBlobStore } from './adapters/blob/fs-blob-store.js';
import { migrate } from './adapters/db/migrate.js';
import { openPglite } from './adapters/db/pglite.js';
import { PostgresDb } from './adapters/db/postgres.js';
import { createEmbedder } from './adapters/embedders/index.js';
import { DbJobQueue } from './adapters/queue/db-queue.js';
import type { Config } from './config/schema.js';
import { type Actor, ownerActor } from './domain/actor.js';
import { createParseRunner } from './adapters/parse/index.js';
import { createParserRegistry } from './parsers/index.js';
import type { Db } from './ports/db.js';
import type { Embedder } from './ports/embedder.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Logger } from './ports/logger.js';
import type { ParseRunner } from './ports/parser.js';
import { EmbeddingService } from './services/embeddings.js';
import { FilesService } from './services/files.js';
import { IngestService } from './services/ingest.js';
import { PlannerStats } from './services/planner-stats.js';
import { ResourcesService } from './services/resources.js';
import { SearchService } from './services/search.js';
import { StatusService } from './services/status.js';
import { WorkerPool } from './transports/worker/pool.js';
import { VERSION } from './version.js';

/** The services every transport calls. */
export interface Services {
  files: FilesService;
  ingest: IngestService;
  resources: ResourcesService;
  search: SearchService;
  embeddings: EmbeddingService;
  status: StatusService;
}

export interface App {
  config: Config;
  services: Services;
  db: Db;
  queue: JobQueue;
  pool: WorkerPool;
  log: Logger;
  /** The local owner: the only actor until accounts land (issue P3). */
  owner: Actor;
  close(): Promise<void>;
}

export interface AppOptions {
  /** Use this embedder instead of the configured one (tests). */
  embedder?: Embedder;
  /** Keep the database in memory instead of <dataDir>/db (tests, benchmarks). */
  inMemory?: boolean;
  logger?: Logger;
  /** Parse with this runner instead of the configured one (service tests of the pipeline around parsing). */
  parseRunner?: ParseRunner;
}

export { VERSION };

/** Create a logger that writes JSON lines to stderr, so stdout stays free for command output. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2)) as unknown as Logger;
}

/** The composition root: adapters chosen by config, services wired to ports. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const db = await openDb(config, opts.inMemory ?? false);
  const closers: (() => Promise<void>)[] = [() => db.close()];
  try {
    await migrate(db);
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'owner') ON CONFLICT (tenant_id) DO NOTHING`, [config.tenantId]);
    const queue = new DbJobQueue(db, { maxAttempts: config.jobMaxAttempts });
    const embedder = opts.embedder ?? (await createEmbedder(config));
    closers.unshift(() => embedder.close());
    const embeddings = new EmbeddingService(db, embedder, queue, log, new PlannerStats(db, log));
    await embeddings.init();
    const blobs = new FsBlobStore(config.blobDir ?? join(config.dataDir, 'blobs'));
    const runner = opts.parseRunner ?? createParseRunner(config);
    closers.unshift(() => runner.close());
    const ingest = new IngestService(db, blobs, runner, queue, embeddings, log, {
      chunkTokens: config.chunkTokens, chunkOverlapTokens: config.chunkOverlapTokens,
    });
    const services: Services = {
      files: new FilesService(db, blobs, queue, log, config.maxUploadMb * 1024 * 1024, parserVersions()),
      ingest,
      resources: new ResourcesService(db),
      search: new SearchService(db, embeddings),
      embeddings,
      status: new StatusService(db, queue, embeddings, { version: VERSION, dataDir: opts.inMemory ? null : config.dataDir }),
    };
    await embeddings.scheduleBackfill();
    const pool = new WorkerPool(queue, services, log, { concurrency: config.workers, leaseSeconds: config.jobLeaseSeconds });
    closers.unshift(() => pool.stop());
    return { config, services, db, queue, pool, log, owner: ownerActor(config.tenantId), close: () => runAll(closers) };
  } catch (err) {
    await runAll(closers).catch(() => {});
    throw err;
  }
}

// Tenant-filtered vector queries must keep walking the HNSW graph until they find enough rows.
const SESSION_SETTINGS = { 'hnsw.iterative_scan': 'relaxed_order', 'hnsw.ef_search': '100' };

async function openDb(config: Config, inMemory: boolean): Promise<Db> {
  if (config.storageProvider === 'postgres') return new PostgresDb(config.pgUrl as string, 10, SESSION_SETTINGS);
  const db = await openPglite(inMemory ? undefined : join(config.dataDir, 'db'));
  // PGlite is one session: a SET lasts for the process. The extension must exist first.
  await db.exec('CREATE EXTENSION IF NOT EXISTS vector');
  for (const [k, v] of Object.entries(SESSION_SETTINGS)) await db.exec(`SET ${k} = ${v}`);
  return db;
}

/** The current version of every parser: files read by an older one are `stale` for reprocessing. */
function parserVersions(): Record<string, number> {
  return Object.fromEntries(createParserRegistry().list().map((p) => [p.id, p.version]));
}

async function runAll(fns: (() => Promise<void>)[]): Promise<void> {
  for (const fn of fns) await fn();
}
