import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
// 32 bytes in base64 (or base64url): what `openssl rand -base64 32` prints.
const masterKey = z.string().trim()
  .refine((v) => /^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v), 'a master key is 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');

/** Keys whose values are secrets though their names do not end in key, secret, password or token (`p8fs config` masks them). */
export const EXTRA_SECRET_KEYS: ReadonlySet<string> = new Set(['masterKeyPrevious']);

/**
 * The one config schema. Each key maps to an environment variable P8FS_<KEY_IN_UPPER_SNAKE> and a
 * CLI flag --<key-in-kebab>. Defaults give a working embedded vault with nothing set.
 */
export const ConfigShape = z.object({
    dataDir: z.string().min(1).default(join(homedir(), '.p8fs')),
    host: z.string().min(1).default('127.0.0.1'),
    port: int(0, 65535).default(8808),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    tenantId: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _ only')
      .default('local'),

    storageProvider: z.enum(['pglite', 'postgres']).default('pglite'),
    pgUrl: z.string().url().optional(),
    blobProvider: z.enum(['fs', 's3']).default('fs'),
    blobDir: z.string().optional().describe('default: <dataDir>/blobs'),
    s3Endpoint: z.string().url().optional().describe('S3-compatible server (Ceph RGW, SeaweedFS, MinIO); unset: AWS'),
    s3AccessKey: z.string().optional(),
    s3SecretKey: z.string().optional(),
    s3Bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name: 3-63 lowercase letters, digits, . and -').optional(),
    s3Region: z.string().min(1).default('us-east-1'),
    // Encryption at rest (decision 0017): the key-encryption key that wraps every data key.
    masterKey: masterKey.optional()
      .describe('base64 master key that wraps the data keys (servers); unset: <dataDir>/master.key, created on first run'),
    masterKeyPrevious: masterKey.optional()
      .describe('the master key being replaced, during `p8fs keys rotate` on servers (unwraps only)'),
    storageEventsSecret: z.string().min(16).optional()
      .describe('shared secret of POST /api/v1/storage/events (S3 bucket notifications); unset: the route is off'),
    queueProvider: z.enum(['db', 'nats']).default('db').describe('db: the jobs table; nats: JetStream, with `p8fs router` and tiered workers'),
    natsUrl: z.string().url().optional().describe('nats://host:port of a JetStream-enabled server'),
    workerTier: z.enum(['all', 'small', 'medium', 'large']).default('all')
      .describe('the tier (file size: small <= 100 MB, medium <= 1 GB, large) workers take with the nats queue'),
    // Per tier: jobs at once per worker process, JetStream ack_wait (the lease, renewed while a job runs), job time limit.
    tierSmallConcurrency: int(1, 64).default(4),
    tierSmallAckWaitSeconds: int(5, 3600).default(60),
    tierSmallTimeoutSeconds: int(1, 86_400).default(900),
    tierMediumConcurrency: int(1, 64).default(2),
    tierMediumAckWaitSeconds: int(5, 3600).default(120),
    tierMediumTimeoutSeconds: int(1, 86_400).default(3600),
    tierLargeConcurrency: int(1, 64).default(1),
    tierLargeAckWaitSeconds: int(5, 3600).default(300),
    tierLargeTimeoutSeconds: int(1, 86_400).default(14_400),

    workers: int(0, 64).default(2).describe('concurrent jobs per process; 0 = API only'),
    jobMaxAttempts: int(1, 100).default(5),
    jobLeaseSeconds: int(5, 86_400).default(60),
    // `p8fs worker` has no API port: its metrics get a tiny server of their own (decision 0020).
    metricsPort: int(0, 65535).optional().describe('p8fs worker: serve GET /metrics on this port (0: any free port); unset: off'),
    metricsHost: z.string().min(1).default('127.0.0.1').describe('where the worker\'s metrics server listens (no token check: loopback or a trusted network only)'),
    maxUploadMb: int(1, 1_048_576).default(1024),

    // Reads a caller shapes (REM, search, graph walks): the budget of one request, and what one tenant
    // may take of the database, so no request or tenant can stall the vault for the others.
    queryTimeoutSeconds: int(1, 600).default(5).describe('time budget of one search, REM statement or graph walk'),
    tenantQueryConcurrency: int(1, 64).default(2).describe('searches and REM statements one tenant runs at once (more wait)'),
    tenantQueryQueue: int(0, 10_000).default(32).describe('searches and REM statements one tenant may have waiting; beyond: 429'),
    tenantQuerySecondsPerMinute: int(1, 3600).default(30).describe('database seconds one tenant\'s searches and REM statements may use per minute; beyond: 429'),
    // Relevance floor of hybrid search (decision 0022): measured on LoCoMo dev so no right answer in a top 10 falls under it.
    searchMinScore: z.coerce.number().min(0).max(1).default(0.2).describe('hybrid search drops hits scoring below this (0..1 scale; 0 = off)'),
    searchMinSimilarity: z.coerce.number().min(0).max(1).default(0.5).describe('a hit found by meaning alone needs at least this share of the best match\'s cosine similarity (0 = off)'),

    chunkTokens: int(32, 8192).default(256),
    chunkOverlapTokens: int(0, 1024).default(32),

    embeddingProvider: z.enum(['use-lite', 'openai', 'transformers', 'hash']).default('use-lite'),
    embeddingModel: z.string().optional().describe('model name for openai/transformers providers'),
    embeddingDimensions: int(1, 16000).optional().describe('required for openai unless the model is known'),
    embeddingUrl: z.string().url().optional().describe('base URL of an OpenAI-compatible API'),
    embeddingApiKey: z.string().optional(),
    embeddingModelDir: z.string().optional().describe('local ONNX models for the transformers provider'),
    embeddingBatchSize: int(1, 2048).default(16),
    // Measured: 2 threads on 2 cores = 10.2 vs 5.6 chunks/s through the whole pipeline (docs/benchmarks.md).
    embeddingThreads: int(1, 16)
      .default(Math.min(4, availableParallelism()))
      .describe('worker threads running a local model (default: cores, at most 4)'),

    // Parsing runs in worker threads so one hostile file cannot hang or exhaust the process.
    parseIsolation: z.enum(['thread', 'inline']).default('thread').describe('thread: parsers run in worker threads with limits'),
    parseTimeoutSeconds: int(1, 86_400).default(600).describe('a parse running longer fails its file with parser.timeout'),
    parseMemoryMb: int(64, 65_536).default(1024).describe('heap limit of a parser thread and address-space limit of external tools'),
    archiveMaxMembers: int(1, 1_000_000).default(10_000),
    archiveMaxExpandedMb: int(1, 1_048_576).default(1024).describe('all members of one container, expanded'),
    archiveMaxRatio: int(2, 100_000).default(200).describe('expanded/compressed ratio above which a member counts as a bomb'),
    archiveMaxDepth: int(1, 32).default(4).describe('containers inside containers'),
    ocrProvider: z.enum(['tesseract.js', 'tesseract', 'none']).default('tesseract.js').describe('bundled WASM, Debian tesseract, or off'),
    ocrMaxPages: int(0, 100_000).default(200).describe('image-only PDF pages OCR\'d per file'),
    transcriber: z.enum(['auto', 'pocketsphinx', 'openai', 'none']).default('auto').describe('auto: pocketsphinx when installed'),
    transcriberUrl: z.string().url().optional().describe('base URL of an OpenAI-compatible /v1/audio/transcriptions API'),
    transcriberApiKey: z.string().optional(),
    transcriberModel: z.string().default('whisper-1'),
    maxMediaMinutes: int(1, 100_000).default(240).describe('longest audio or video transcribed per file'),

    publicUrl: z.string().url().optional().describe('the URL clients reach the server at (OAuth issuer); default http://<host>:<port>'),
    accessTokenTtlSeconds: int(60, 86_400).default(3600),
    refreshTokenTtlDays: int(1, 365).default(30),
    smtpUrl: z.string().url().optional().describe('smtp(s)://user:pass@host:port for sign-in codes; unset: codes go to the log (dev only)'),
    mailFrom: z.string().default('P8FS <no-reply@localhost>'),
    mcpSessions: bool.default(true)
      .describe('MCP Streamable HTTP sessions (SSE streams, resumption); false: stateless JSON, for API processes behind a non-sticky balancer'),
    mcpSessionIdleMinutes: int(1, 1440).default(30),

    // Chat (decision 0019): the model agents run on, each provider's key and endpoint, and the limits of one request.
    chatModel: z.string().trim().regex(/^(openai|anthropic|google|openai-compatible):\S+$/, 'provider:model with provider openai, anthropic, google or openai-compatible (e.g. openai:gpt-4o-mini)').optional()
      .describe('the model chat and `rem --ask` use, as provider:model; unset: chat answers with retrieved passages'),
    openaiApiKey: z.string().optional().describe('API key of the openai provider (and of an openai-compatible endpoint that wants one)'),
    openaiBaseUrl: z.string().url().optional().describe('endpoint of the openai-compatible provider (Ollama, vLLM, llama.cpp, LM Studio: e.g. http://127.0.0.1:11434/v1), or a proxy for openai'),
    anthropicApiKey: z.string().optional(),
    anthropicBaseUrl: z.string().url().optional().describe('a proxy in front of the Anthropic API; unset: https://api.anthropic.com/v1'),
    googleApiKey: z.string().optional().describe('Gemini API key of the google provider'),
    googleBaseUrl: z.string().url().optional().describe('a proxy in front of the Gemini API; unset: https://generativelanguage.googleapis.com/v1beta'),
    chatMaxToolRounds: int(0, 50).default(6).describe('tool rounds one chat request may take; then the agent answers with what it has'),
    chatMaxTokens: int(16, 1_000_000).default(4096).describe('output tokens of one model call (a request asking for more gets this many)'),
    chatMaxRequestTokens: int(1000, 100_000_000).default(200_000).describe('tokens (in and out, all rounds) one chat request may use; past it no further tool round runs'),
    chatTimeoutSeconds: int(1, 3600).default(300).describe('time one chat request may take, all rounds included'),
    chatRetries: int(0, 10).default(2).describe('retries of a model call the provider refused for now (429, 5xx), with exponential backoff'),
    chatRequestsPerMinute: int(1, 100_000).default(30).describe('model requests one device may send per minute: chat runs and rem --ask questions share the count'),
    chatHistoryTokens: int(500, 1_000_000).default(8000).describe('tokens of a session\'s earlier messages sent to the model; older turns are compacted to REM pointers'),

    // End-to-end vaults (decision 0018), on a device: how often `p8fs serve` syncs its replica, and
    // how many new log records make the device write a snapshot for new devices to start from.
    syncIntervalSeconds: int(1, 86_400).default(5).describe('how often p8fs serve syncs an end-to-end replica (and p8fs sync --watch)'),
    syncSnapshotEvery: int(0, 10_000_000).default(1000).describe('log records since the last snapshot after which a device writes a new one (0: never)'),

    server: z.string().url().optional().describe('a running p8fs server the CLI talks to'),
    token: z.string().optional().describe('access token the CLI sends to --server'),
    dev: bool.default(false),
  });

/** The shape plus the rules that span several keys. */
export const ConfigSchema = ConfigShape.superRefine((c, ctx) => {
    if (c.storageProvider === 'postgres' && !c.pgUrl)
      ctx.addIssue({ code: 'custom', path: ['pgUrl'], message: 'required when storageProvider is postgres' });
    if (c.queueProvider === 'nats') {
      if (!c.natsUrl) ctx.addIssue({ code: 'custom', path: ['natsUrl'], message: 'required when queueProvider is nats' });
      // Router and tiered workers are separate processes on one database: embedded PGlite has one writer.
      if (c.storageProvider !== 'postgres') ctx.addIssue({ code: 'custom', path: ['queueProvider'], message: 'nats needs storageProvider postgres' });
    }
    if (c.blobProvider === 's3') {
      for (const key of ['s3Bucket', 's3AccessKey', 's3SecretKey'] as const)
        if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when blobProvider is s3' });
    }
    if (c.embeddingProvider === 'openai') {
      if (!c.embeddingModel)
        ctx.addIssue({ code: 'custom', path: ['embeddingModel'], message: 'required for the openai provider' });
    }
    if (c.embeddingProvider === 'transformers') {
      if (!c.embeddingModel)
        ctx.addIssue({ code: 'custom', path: ['embeddingModel'], message: 'required for the transformers provider (e.g. Xenova/all-MiniLM-L6-v2)' });
      if (!c.embeddingModelDir)
        ctx.addIssue({ code: 'custom', path: ['embeddingModelDir'], message: 'required for the transformers provider: models load from local files only' });
    }
    if (c.transcriber === 'openai' && !c.transcriberUrl)
      ctx.addIssue({ code: 'custom', path: ['transcriberUrl'], message: 'required for the openai transcriber (e.g. https://api.openai.com)' });
    // Processes sharing one database must share one master key, and a server's data dir may be
    // thrown away (a container): a key file created per process would lock the others out, or be lost.
    if (c.storageProvider === 'postgres' && !c.masterKey)
      ctx.addIssue({ code: 'custom', path: ['masterKey'], message: 'required when storageProvider is postgres: the same key on every process (`openssl rand -base64 32`; keep it in your secret store)' });
    if (c.masterKeyPrevious && !c.masterKey)
      ctx.addIssue({ code: 'custom', path: ['masterKeyPrevious'], message: 'needs masterKey (the new key) beside it' });
    if (c.masterKeyPrevious && c.masterKeyPrevious === c.masterKey)
      ctx.addIssue({ code: 'custom', path: ['masterKeyPrevious'], message: 'is the same key as masterKey' });
    // A chat model is usable only with its provider's key (or, for openai-compatible, its endpoint).
    const provider = c.chatModel?.split(':')[0];
    if (provider === 'openai' && !c.openaiApiKey)
      ctx.addIssue({ code: 'custom', path: ['openaiApiKey'], message: 'required for an openai chat model' });
    if (provider === 'openai-compatible' && !c.openaiBaseUrl)
      ctx.addIssue({ code: 'custom', path: ['openaiBaseUrl'], message: 'required for an openai-compatible chat model (e.g. http://127.0.0.1:11434/v1 for Ollama)' });
    if (provider === 'anthropic' && !c.anthropicApiKey)
      ctx.addIssue({ code: 'custom', path: ['anthropicApiKey'], message: 'required for an anthropic chat model' });
    if (provider === 'google' && !c.googleApiKey)
      ctx.addIssue({ code: 'custom', path: ['googleApiKey'], message: 'required for a google chat model' });
    if (c.chunkOverlapTokens >= c.chunkTokens)
      ctx.addIssue({ code: 'custom', path: ['chunkOverlapTokens'], message: 'must be smaller than chunkTokens' });
  // Run even when single keys failed, so a person sees every problem in one go.
  }, { when: () => true });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
