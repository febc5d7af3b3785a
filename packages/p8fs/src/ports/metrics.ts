/**
 * What the code records for operators (decision 0020). Services and transports call these typed
 * methods; only the adapter knows Prometheus. Every label value is from a bounded set (route
 * templates, job types, parser ids, search modes), never a raw URL, file name or tenant id.
 */
export interface Metrics {
  /** One answered HTTP request: `route` is the route's path template, or "unmatched". */
  httpRequest(route: string, method: string, status: number, seconds: number): void;
  /** One job run to its outcome (done, retried later, or dead). */
  jobFinished(type: string, outcome: JobOutcome, seconds: number): void;
  /** One parse: the parser that read the file (or "unknown" when it failed before one was chosen). */
  parsed(parser: string, outcome: 'ok' | 'failed', seconds: number): void;
  /** One call of the embedder with `texts` texts. */
  embedded(provider: string, texts: number, seconds: number): void;
  /** One search (REST, MCP, REM SEARCH, chat tools alike) by mode. */
  searched(mode: string, seconds: number): void;
}

export type JobOutcome = 'done' | 'retry' | 'dead';

/** Queued jobs of one size tier (nats-tiers.ts; the db queue's jobs get the same tiers). */
export interface QueueBacklog {
  tier: string;
  queued: number;
  /** How long the oldest runnable queued job has waited; 0 when none is runnable. */
  oldestSeconds: number;
}

/** Connections of a database pool (PGlite: its one session and the callers waiting for it). */
export interface DbPoolStats {
  total: number;
  idle: number;
  waiting: number;
}

/** Values read when metrics are scraped rather than recorded as they happen. */
export interface GaugeSources {
  queue?: () => Promise<QueueBacklog[]>;
  mcpSessions?: () => number;
  dbPool?: () => DbPoolStats | null;
}

/** The registry a process exposes: records, reads gauges at scrape time, renders the text format. */
export interface MetricsRegistry extends Metrics {
  /** Add (or replace) gauge sources; each is read on every scrape. */
  watch(sources: GaugeSources): void;
  /** The Prometheus text exposition of this registry and the process's default metrics. */
  scrape(): Promise<{ contentType: string; body: string }>;
}

/** Records nothing: the default where no registry is wired (service tests, benches). */
export const NO_METRICS: Metrics = {
  httpRequest() {},
  jobFinished() {},
  parsed() {},
  embedded() {},
  searched() {},
};
