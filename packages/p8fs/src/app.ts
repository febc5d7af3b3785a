import { join } from 'node:path';
import pino from 'pino';
import { createBlobStore } from './adapters/blob/index.js';
import { createKeyWrapper } from './adapters/keys/index.js';
import { sealSigningKeys } from './adapters/oauth/signing-keys.js';
import { migrate } from './adapters/db/migrate.js';
import { openPglite } from './adapters/db/pglite.js';
import { openPgliteWorker, PgliteWorkerDb } from './adapters/db/pglite-worker.js';
import { PostgresDb } from './adapters/db/postgres.js';
import { createEmbedder } from './adapters/embedders/index.js';
import { queueBacklog } from './adapters/queue/backlog.js';
import { DbJobQueue } from './adapters/queue/db-queue.js';
import { timedEmbedder, timedParseRunner } from './adapters/metrics/instrument.js';
import { PrometheusMetrics } from './adapters/metrics/prometheus.js';
import { tracedDb, tracedEmbedder, tracedParseRunner, tracedQueue } from './adapters/tracing/instrument.js';
import { NatsJobQueue } from './adapters/queue/nats-queue.js';
import { createNatsQueue, poolSettings } from './adapters/queue/nats-setup.js';
import type { Config } from './config/schema.js';
import { type Actor, ownerActor } from './domain/actor.js';
import { createParseRunner } from './adapters/parse/index.js';
import { createMailer } from './adapters/mailer/index.js';
import type { OAuthServer } from './adapters/oauth/index.js';
import { createParserRegistry } from './parsers/index.js';
import { systemClock } from './ports/clock.js';
import { AccessTokensService } from './services/auth/access-tokens.js';
import { ApprovalService } from './services/auth/approvals.js';
import { DeviceService } from './services/auth/devices.js';
import { ensureOwnerDevice } from './services/auth/owner.js';
import { RegistrationService } from './services/auth/registration.js';
import type { Db } from './ports/db.js';
import type { Embedder } from './ports/embedder.js';
import type { JobQueue } from './ports/job-queue.js';
import type { Logger } from './ports/logger.js';
import type { Mailer } from './ports/mailer.js';
import type { MetricsRegistry } from './ports/metrics.js';
import type { ParseRunner } from './ports/parser.js';
import { NO_TRACING, type Tracing } from './ports/tracing.js';
import type { SecretBox } from './ports/key-wrapper.js';
import { AgentsService } from './services/agents.js';
import { BlobEncryptionService } from './services/blob-encryption.js';
import { dbBlobLedger } from './services/blob-ledger.js';
import { KeyRing } from './services/keyring.js';
import { KeysService } from './services/keys.js';
import { kekIdsInUse } from './services/sql/data-keys.js';
import { EmbeddingService } from './services/embeddings.js';
import { EmbeddedBackupSource } from './adapters/backup/embedded-source.js';
import { masterKeyPath } from './adapters/keys/master-key.js';
import { BackupService } from './services/backup.js';
import { ExportService } from './services/export.js';
import { FilesService } from './services/files.js';
import { GraphService } from './services/graph/service.js';
import { IngestService } from './services/ingest.js';
import { createChatModels } from './adapters/llm/index.js';
import { ChatService } from './services/chat/chat.js';
import { ModelQueryPlanner } from './services/chat/planner.js';
import { DeviceRate } from './domain/chat/device-rate.js';
import { SessionStore } from './services/chat/session-store.js';
import { SessionsService } from './services/chat/sessions.js';
import { MemoriesService } from './services/memories.js';
import { MetricsService } from './services/metrics.js';
import { MomentsService } from './services/moments.js';
import { PlannerStats } from './services/planner-stats.js';
import { RemService } from './services/rem/engine.js';
import { ResourcesService } from './services/resources.js';
import { DEFAULT_TUNING, SearchService } from './services/search.js';
import { TenantGate } from './services/tenant-gate.js';
import { UploadTicketsService } from './services/upload-tickets.js';
import { StatusService } from './services/status.js';
import { StorageEventsService } from './services/storage-events.js';
import { SyncRelayService } from './services/sync/relay.js';
import { DEFAULT_SEGMENT_BYTES, sealedSize } from './adapters/blob/encryption/format.js';
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
  /**
   * Personal access tokens. Here, not in AuthServices: they need no issuer, the CLI manages them in
   * process, and the HTTP and MCP bearer checks verify them.
   */
  accessTokens: AccessTokensService;
  /** Job blobs.encrypt: blobs onto their tenant's active data key (plaintext ones from before, retired epochs). */
  blobEncryption: BlobEncryptionService;
  /** `p8fs keys`: status and rotation of the master key and data keys (operator, not tenant). */
  keys: KeysService;
  /** The relay of end-to-end vaults: sealed records, blobs, snapshots, key envelopes (decision 0018). */
  syncRelay: SyncRelayService;
  /** Memory notes (MCP and chat save_memory): one way to build and store them. */
  memories: MemoriesService;
  /** Chat with the vault: agents, tools, the model providers (decision 0019). */
  chat: ChatService;
  /** Chat sessions: list, read, delete. */
  sessions: SessionsService;
  /** GET /metrics: the owner's view of this process's metrics (decision 0020). */
  metrics: MetricsService;
  /** `p8fs export`: every resource (vectors if asked) and edge, in keyset pages. */
  exporter: ExportService;
  /** `p8fs backup`: a consistent archive of the embedded vault (decision 0021); refuses in scale-out mode. */
  backup: BackupService;
}

export interface App {
  config: Config;
  services: Services;
  db: Db;
  queue: JobQueue;
  pool: WorkerPool;
  log: Logger;
  /** This process's metrics: services, the worker pool and the transports record here (decision 0020). */
  metrics: MetricsRegistry;
  /** This process's traces (decision 0024): NO_TRACING unless the entrypoint's OTEL_* turned them on. */
  tracing: Tracing;
  /** The local owner (the CLI in process acts as them). */
  owner: Actor;
  /** Seals the server's own secrets under the system data key (signing keys' private JWKs). */
  secrets: SecretBox;
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
  /** Spans go here (the entrypoint builds it from OTEL_*; tests pass their own); closed with the app. */
  tracing?: Tracing;
}

export { VERSION };

/** Create a logger that writes JSON lines to stderr, so stdout stays free for command output. */
export function createLogger(level: Config['logLevel']): Logger {
  return pino({ level, base: { pid: process.pid } }, pino.destination(2)) as unknown as Logger;
}

/** The composition root: adapters chosen by config, services wired to ports. */
export async function createApp(config: Config, opts: AppOptions = {}): Promise<App> {
  const log = opts.logger ?? createLogger(config.logLevel);
  const tracing = opts.tracing ?? NO_TRACING;
  const db = tracedDb(await openDb(config, opts.inMemory ?? false, log), tracing);
  // Last to close: the spans of everything closing before it are still exported.
  const closers: (() => Promise<void>)[] = [() => db.close(), () => tracing.close()];
  const metrics = new PrometheusMetrics();
  metrics.watch({ queue: () => queueBacklog(db), dbPool: () => db.poolStats?.() ?? null });
  try {
    await migrate(db);
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, 'owner') ON CONFLICT (tenant_id) DO NOTHING`, [config.tenantId]);
    const queue = tracedQueue(config.queueProvider === 'nats'
      ? await createNatsQueue(config, db, log)
      : new DbJobQueue(db, { maxAttempts: config.jobMaxAttempts }), tracing);
    if (queue instanceof NatsJobQueue) closers.unshift(() => queue.close());
    const embedder = tracedEmbedder(timedEmbedder(opts.embedder ?? (await createEmbedder(config)), metrics), tracing);
    closers.unshift(() => embedder.close());
    const embeddings = new EmbeddingService(db, embedder, queue, log, new PlannerStats(db, log));
    await embeddings.init();
    // Encryption at rest (decision 0017): the master key must open the stored data keys, or start-up stops here.
    const { wrapper, source, created } = createKeyWrapper(config, (await kekIdsInUse(db)).length > 0);
    const keyRing = new KeyRing(db, wrapper, log);
    await keyRing.verify();
    if (created) log.info({ kek: wrapper.kekId }, 'master key created in <dataDir>/master.key: back it up, the vault cannot be read without it');
    log.debug({ kek: wrapper.kekIds, source }, 'master key loaded');
    const secrets = keyRing.secrets();
    const sealed = await sealSigningKeys(db, secrets);
    if (sealed > 0) log.info({ sealed }, 'signing keys sealed under the system data key');
    const { blobs, inbox, close: closeBlobs } = await createBlobStore(config, { keys: keyRing, ledger: dbBlobLedger(db) });
    closers.push(closeBlobs);
    const runner = tracedParseRunner(timedParseRunner(opts.parseRunner ?? createParseRunner(config), metrics), tracing);
    closers.unshift(() => runner.close());
    const ingest = new IngestService(db, blobs, runner, queue, embeddings, log, {
      chunkTokens: config.chunkTokens, chunkOverlapTokens: config.chunkOverlapTokens,
    });
    // One gate for every read a caller shapes (search, REM): per-tenant slots, budget and database time.
    const gate = TenantGate.fromConfig(config);
    const search = new SearchService(db, embeddings, gate, { ...DEFAULT_TUNING, minScore: config.searchMinScore, minSimilarity: config.searchMinSimilarity }, metrics, tracing);
    const graph = new GraphService(db);
    const files = new FilesService(db, blobs, queue, log, config.maxUploadMb * 1024 * 1024, parserVersions());
    const blobEncryption = new BlobEncryptionService(db, blobs, keyRing, queue, log);
    // Chat (decision 0019): the configured model, if any, also plans natural-language REM (`rem --ask`).
    const models = createChatModels(config);
    const planner = models.defaultModel
      ? new ModelQueryPlanner(models, systemClock, { timeoutMs: config.chatTimeoutSeconds * 1000, maxOutputTokens: Math.min(config.chatMaxTokens, 1024) })
      : undefined;
    // One per-device count of model requests: chat runs and rem --ask plans spend the same model.
    const modelRate = new DeviceRate(config.chatRequestsPerMinute, () => systemClock.now().getTime());
    const rem = new RemService(db, search, graph, gate, { planner, askRate: { rate: modelRate, perMinute: config.chatRequestsPerMinute } });
    const memories = new MemoriesService(files, systemClock);
    const moments = new MomentsService(db, queue);
    const resources = new ResourcesService(db);
    const services: Services = {
      files,
      ingest,
      resources,
      search,
      embeddings,
      uploadTickets: new UploadTicketsService(db, config.maxUploadMb * 1024 * 1024),
      status: new StatusService(db, queue, embeddings, { version: VERSION, dataDir: opts.inMemory ? null : config.dataDir, ownerTenantId: config.tenantId }),
      moments,
      agents: new AgentsService(db),
      graph,
      rem,
      storageEvents: new StorageEventsService(db, inbox, files, log),
      accessTokens: new AccessTokensService(db),
      blobEncryption,
      keys: new KeysService(db, keyRing, blobEncryption, log, () => sealSigningKeys(db, secrets)),
      // A device seals a file of up to maxUploadMb with the same STREAM format: that many bytes plus its tags.
      syncRelay: new SyncRelayService(db, blobs, log, sealedSize(config.maxUploadMb * 1024 * 1024, DEFAULT_SEGMENT_BYTES)),
      memories,
      chat: new ChatService({ db, store: new SessionStore(db, queue), models, tools: { search, rem, moments, resources, memories }, log, clock: systemClock, rate: modelRate }, chatLimits(config)),
      sessions: new SessionsService(db),
      metrics: new MetricsService(metrics, config.tenantId),
      exporter: new ExportService(db, () => embeddings.providerId),
      backup: new BackupService(backupSource(config, db), config.tenantId, VERSION, systemClock),
    };
    await embeddings.scheduleBackfill();
    await blobEncryption.schedule();
    // With the nats queue a worker process takes one tier (--tier) with that tier's limits.
    const poolOpts = queue instanceof NatsJobQueue
      ? { ...poolSettings(config), pollMs: 50 }
      : { concurrency: config.workers, leaseSeconds: config.jobLeaseSeconds };
    const pool = new WorkerPool(queue, services, log, poolOpts, metrics, tracing);
    closers.unshift(() => pool.stop());
    const ownerDeviceId = await ensureOwnerDevice(db, config.tenantId, opts.ownerPublicKey);
    let auth: Promise<AuthServices> | null = null;
    const startAuth = (issuer: string): Promise<AuthServices> => {
      auth ??= createAuthServices(config, db, log, issuer, ownerDeviceId, secrets).then((a) => {
        closers.unshift(() => a.server.close(), () => a.mailer.close());
        return a;
      });
      return auth;
    };
    return {
      config, services, db, queue, pool, log, metrics, tracing, owner: ownerActor(config.tenantId), secrets,
      auth: (issuer) => startAuth(issuer ?? configuredIssuer(config)),
      close: () => runAll(closers),
    };
  } catch (err) {
    await runAll(closers).catch(() => {});
    throw err;
  }
}

/** The limits of one chat request, from config. */
function chatLimits(config: Config) {
  return {
    maxToolRounds: config.chatMaxToolRounds, maxTokens: config.chatMaxTokens, maxRequestTokens: config.chatMaxRequestTokens,
    timeoutMs: config.chatTimeoutSeconds * 1000, requestsPerMinute: config.chatRequestsPerMinute, historyTokens: config.chatHistoryTokens,
  };
}

/** The issuer when none is given: the configured public URL, else http://host:port. */
export function configuredIssuer(config: Config): string {
  if (config.publicUrl) return config.publicUrl.replace(/\/+$/, '');
  const host = config.host === '0.0.0.0' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

async function createAuthServices(config: Config, db: Db, log: Logger, issuer: string, ownerDeviceId: string, secrets: SecretBox): Promise<AuthServices> {
  // Loaded on first use: oidc-provider is heavy and warns about Node 20 on import, which every
  // in-process CLI command (search, rem, ingest) would otherwise print without needing auth.
  const { createAuthorizationServer } = await import('./adapters/oauth/index.js');
  const server = await createAuthorizationServer({
    db, issuer, log, accessTokenTtlSeconds: config.accessTokenTtlSeconds, refreshTokenTtlDays: config.refreshTokenTtlDays, secrets,
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

async function openDb(config: Config, inMemory: boolean, log: Logger): Promise<Db> {
  if (config.storageProvider === 'postgres') return new PostgresDb(config.pgUrl as string, 10, SESSION_SETTINGS);
  // PGlite is one session: a SET lasts until the engine stops. The extension must exist first.
  const init = ['CREATE EXTENSION IF NOT EXISTS vector', ...Object.entries(SESSION_SETTINGS).map(([k, v]) => `SET ${k} = ${v}`)];
  // A vault on disk runs in its own thread, where a runaway read can be stopped (decision 0016).
  if (!inMemory) return openPgliteWorker(join(config.dataDir, 'db'), init, log);
  const db = await openPglite();
  for (const statement of init) await db.exec(statement);
  return db;
}

/** What `p8fs backup` reads: only the embedded default (PGlite on disk, a local blob folder) has one. */
function backupSource(config: Config, db: Db): EmbeddedBackupSource | null {
  if (!(db instanceof PgliteWorkerDb) || config.blobProvider !== 'fs') return null;
  return new EmbeddedBackupSource(db, config.blobDir ?? join(config.dataDir, 'blobs'), { env: config.masterKey, file: masterKeyPath(config.dataDir) });
}

/** The current version of every parser: files read by an older one are `stale` for reprocessing. */
function parserVersions(): Record<string, number> {
  return Object.fromEntries(createParserRegistry().list().map((p) => [p.id, p.version]));
}

async function runAll(fns: (() => Promise<void>)[]): Promise<void> {
  for (const fn of fns) await fn();
}
