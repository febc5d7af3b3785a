import { join } from 'node:path';
import pino from 'pino';
import { createBlobStore } from './adapters/blob/index.js';
import { migrate } from './adapters/db/migrate.js';
import { openPglite } from './adapters/db/pglite.js';
import { PostgresDb } from './adapters/db/postgres.js';
import { createEmbedder } from './adapters/embedders/index.js';
import { DbJobQueue } from './adapters/queue/db-queue.js';
import { NatsJobQueue } from './adapters/queue/nats-queue.js';
import { createNatsQueue, poolSettings } from './adapters/queue/nats-setup.js';
import type { Config } from './config/schema.js';
import { type Actor, ownerActor } from './domain/actor.js';
import { createParseRunner } from './adapters/parse/index.js';
import { createMailer } from './adapters/mailer/index.js';
import type { OAuthServer } from './adapters/oauth/index.js';
import { createParserRegistry } from './parsers/index.js';
import { systemClock } from './ports/clock.js';
import { ApprovalService } from './services/auth/approvals.js';
import { DeviceService } from './services/auth/devices.js';
import { ensureOwnerDevice } from './services/auth/owner.js';
import { RegistrationService } from './services/auth/registration.js';
import type { Db } from './ports/db.js';
import type { Embedder } from './ports/embedder.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Logger } from './ports/logger.js';
import type { Mailer } from './ports/mailer.js';
import type { ParseRunner } from './ports/parser.js';
import { AgentsService } from './services/agents.js';
import { EmbeddingService } from './services/embeddings.js';
import { FilesService } from './services/files.js';
import { GraphService } from './services/graph/service.js';
import { IngestService } from './services/ingest.js';
import { MomentsService } from './services/moments.js';
import { PlannerStats } from './services/planner-stats.js';
import { RemService } from './services/rem/engine.js';
import { ResourcesService } from './services/resources.js';
import { SearchService } from './services/search.js';
import { UploadTicketsService } from './services/upload-tickets.js';
import { StatusService } from './services/status.js';
import { StorageEventsService } from './services/storage-events.js';
import { WorkerPool } from './transports/worker/pool.js';
import { VERSION } from './version.js';

/** Sign-in, devices and approvals, and the authorization server behind them (built per issuer URL). */
export interface AuthServices {
  server: OAuthServer;
  registration: RegistrationService;
  devices: DeviceService;
  approvals: ApprovalService;
  mailer: Mailer;
  /** The owner's own device on this machine. */
  ownerDeviceId: string;
}

/** The services every transport calls. */
export interface Services {
  files: FilesService;
  ingest: IngestService;
  resources: ResourcesService;
  search: SearchService;
  embeddings: EmbeddingService;
  status: StatusService;
  uploadTickets: UploadTicketsService;
  moments: MomentsService;
  agents: AgentsService;
  graph: GraphService;
  /** REM queries: LOOKUP, FUZZY, SEARCH, read-only SQL, TRAVERSE. */
  rem: RemService;
  /** Objects written straight into the blob store's incoming area become files (reconciler, notifications). */
  storageEvents: StorageEventsService;
}

export interface App {
  config: Config;
  services: Services;
  db: Db;
  queue: JobQueue;
  pool: WorkerPool;
  log: Logger;
  /** The local owner (the CLI in process acts as them). */
  owner: Actor;
  /**
   * The auth services for the URL clients reach this server at. Built on first call (the OAuth
   * issuer must be known, and with port 0 it is known only once listening); later calls return it.
   */
  auth(issuer?: string): Promise<AuthServices>;
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
  /**
   * The Ed25519 public key of the owner's machine (<dataDir>/device.key, read by the CLI): the owner
   * device gets it, so the local owner can approve sign-ins (an MCP host's OAuth) with `p8fs approve`.
   */
  ownerPublicKey?: string;
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
    const queue = config.queueProvider === 'nats'
      ? await createNatsQueue(config, db, log)
      : new DbJobQueue(db, { maxAttempts: config.jobMaxAttempts });
    if (queue instanceof NatsJobQueue) closers.unshift(() => queue.close());
    const embedder = opts.embedder ?? (await createEmbedder(config));
    closers.unshift(() => embedder.close());
    const embeddings = new EmbeddingService(db, embedder, queue, log, new PlannerStats(db, log));
    await embeddings.init();
    const { blobs, inbox, close: closeBlobs } = await createBlobStore(config);
    closers.push(closeBlobs);
    const runner = opts.parseRunner ?? createParseRunner(config);
    closers.unshift(() => runner.close());
    const ingest = new IngestService(db, blobs, runner, queue, embeddings, log, {
      chunkTokens: config.chunkTokens, chunkOverlapTokens: config.chunkOverlapTokens,
    });
    const search = new SearchService(db, embeddings);
    const graph = new GraphService(db);
    const files = new FilesService(db, blobs, queue, log, config.maxUploadMb * 1024 * 1024, parserVersions());
    const services: Services = {
      files,
      ingest,
      resources: new ResourcesService(db),
      search,
      embeddings,
      uploadTickets: new UploadTicketsService(db, config.maxUploadMb * 1024 * 1024),
      status: new StatusService(db, queue, embeddings, { version: VERSION, dataDir: opts.inMemory ? null : config.dataDir }),
      moments: new MomentsService(db, queue),
      agents: new AgentsService(db),
      graph,
      // No query planner yet: natural language is refused with the REM forms (the chat issue adds one).
      rem: new RemService(db, search, graph),
      storageEvents: new StorageEventsService(db, inbox, files, log),
    };
    await embeddings.scheduleBackfill();
    // With the nats queue a worker process takes one tier (--tier) with that tier's limits.
    const poolOpts = queue instanceof NatsJobQueue
      ? { ...poolSettings(config), pollMs: 50 }
      : { concurrency: config.workers, leaseSeconds: config.jobLeaseSeconds };
    const pool = new WorkerPool(queue, services, log, poolOpts);
    closers.unshift(() => pool.stop());
    const ownerDeviceId = await ensureOwnerDevice(db, config.tenantId, opts.ownerPublicKey);
    let auth: Promise<AuthServices> | null = null;
    const startAuth = (issuer: string): Promise<AuthServices> => {
      auth ??= createAuthServices(config, db, log, issuer, ownerDeviceId).then((a) => {
        closers.unshift(() => a.server.close(), () => a.mailer.close());
        return a;
      });
      return auth;
    };
    return {
      config, services, db, queue, pool, log, owner: ownerActor(config.tenantId),
      auth: (issuer) => startAuth(issuer ?? configuredIssuer(config)),
      close: () => runAll(closers),
    };
  } catch (err) {
    await runAll(closers).catch(() => {});
    throw err;
  }
}

/** The issuer when none is given: the configured public URL, else http://host:port. */
export function configuredIssuer(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

async function createAuthServices(config: Config, db: Db, log: Logger, issuer: string, ownerDeviceId: string): Promise<AuthServices> {
  // Loaded on first use: oidc-provider is heavy and warns about Node 20 on import, which every
  // in-process CLI command (search, rem, ingest) would otherwise print without needing auth.
  const { createAuthorizationServer } = await import('./adapters/oauth/index.js');
  const server = await createAuthorizationServer({
    db, issuer, log, accessTokenTtlSeconds: config.accessTokenTtlSeconds, refreshTokenTtlDays: config.refreshTokenTtlDays,
  });
  const mailer = createMailer(config, log);
  return {
    server,
    registration: new RegistrationService(db, mailer, server, systemClock),
    devices: new DeviceService(db, server, systemClock),
    approvals: new ApprovalService(db, server, systemClock),
    mailer,
    ownerDeviceId,
  };
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
