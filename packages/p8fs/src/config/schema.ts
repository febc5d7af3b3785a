import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

const bool = z
  .union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no'])])
  .transform((v) => v === true || v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

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
    maxUploadMb: int(1, 1_048_576).default(1024),

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
    if (c.chunkOverlapTokens >= c.chunkTokens)
      ctx.addIssue({ code: 'custom', path: ['chunkOverlapTokens'], message: 'must be smaller than chunkTokens' });
  // Run even when single keys failed, so a person sees every problem in one go.
  }, { when: () => true });

export type Config = z.output<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;
export type ConfigKey = keyof Config;
