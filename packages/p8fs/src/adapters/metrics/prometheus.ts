import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { GaugeSources, JobOutcome, MetricsRegistry } from '../../ports/metrics.js';

/** Every series this code exposes starts with this (decision 0020). */
export const PREFIX = 'p8fs_';

// Seconds. Requests and searches are mostly milliseconds; jobs and parses run up to the tier time limits.
const FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SLOW = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];

let processRegistry: Registry | null = null;

/**
 * Node's process metrics (CPU, memory, event loop lag, GC), once per process: they describe the
 * process, not an app, and each collectDefaultMetrics call starts its own event-loop monitor.
 */
function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, prefix: PREFIX });
  }
  return processRegistry;
}

/** The metrics of one app (its own registry, so tests can run several apps in one process). */
export class PrometheusMetrics implements MetricsRegistry {
  private readonly registry = new Registry();
  private sources: GaugeSources = {};
  private readonly httpTotal = this.counter('http_requests_total', 'HTTP requests answered, by route template, method and status', ['route', 'method', 'status']);
  private readonly httpSeconds = this.histogram('http_request_duration_seconds', 'Time to answer an HTTP request (headers out; a streamed body may run longer)', ['route', 'method'], FAST);
  private readonly jobsTotal = this.counter('jobs_total', 'Jobs run, by type and outcome (done, retry: failed and queued again, dead)', ['type', 'outcome']);
  private readonly jobSeconds = this.histogram('job_duration_seconds', 'Time a job ran, by type and outcome', ['type', 'outcome'], SLOW);
  private readonly parseSeconds = this.histogram('parse_duration_seconds', 'Time to parse a file in the parse runner, by parser and outcome', ['parser', 'outcome'], SLOW);
  private readonly embedSeconds = this.histogram('embedding_duration_seconds', 'Time of one embedder call, by provider', ['provider'], FAST);
  private readonly embedTexts = this.counter('embedding_texts_total', 'Texts sent to the embedder, by provider', ['provider']);
  private readonly searchSeconds = this.histogram('search_duration_seconds', 'Time of one search (after its tenant slot), by mode', ['mode'], FAST);
  private readonly queueDepth = this.gauge('queue_depth', 'Queued jobs (runnable or waiting for a retry), by size tier', ['tier']);
  private readonly queueAge = this.gauge('queue_oldest_job_age_seconds', 'How long the oldest runnable queued job has waited, by size tier', ['tier']);
  private readonly mcpSessions = this.gauge('mcp_sessions', 'Open MCP Streamable HTTP sessions', []);
  private readonly dbPool = this.gauge('db_pool_connections', 'Database connections by state (total, idle) and callers waiting for one', ['state']);

  httpRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpTotal.inc({ route, method, status: String(status) });
    this.httpSeconds.observe({ route, method }, seconds);
  }

  jobFinished(type: string, outcome: JobOutcome, seconds: number): void {
    this.jobsTotal.inc({ type, outcome });
    this.jobSeconds.observe({ type, outcome }, seconds);
  }

  parsed(parser: string, outcome: 'ok' | 'failed', seconds: number): void {
    this.parseSeconds.observe({ parser, outcome }, seconds);
  }

  embedded(provider: string, texts: number, seconds: number): void {
    this.embedSeconds.observe({ provider }, seconds);
    this.embedTexts.inc({ provider }, texts);
  }

  searched(mode: string, seconds: number): void {
    this.searchSeconds.observe({ mode }, seconds);
  }

  watch(sources: GaugeSources): void {
    this.sources = { ...this.sources, ...sources };
  }

  async scrape(): Promise<{ contentType: string; body: string }> {
    await this.readGauges();
    const merged = Registry.merge([processMetrics(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }

  /**
   * Gauges are read here, before rendering, rather than in prom-client's collect callbacks: those run
   * concurrently, and the queue's two gauges come from one query. A source that fails (the database
   * is down) leaves its gauges empty for this scrape instead of failing the whole scrape.
   */
  private async readGauges(): Promise<void> {
    const { queue, mcpSessions, dbPool } = this.sources;
    this.queueDepth.reset();
    this.queueAge.reset();
    if (queue) {
      const rows = await queue().catch(() => []);
      for (const r of rows) {
        this.queueDepth.set({ tier: r.tier }, r.queued);
        this.queueAge.set({ tier: r.tier }, r.oldestSeconds);
      }
    }
    if (mcpSessions) this.mcpSessions.set(mcpSessions());
    this.dbPool.reset();
    const pool = dbPool?.();
    if (pool) {
      this.dbPool.set({ state: 'total' }, pool.total);
      this.dbPool.set({ state: 'idle' }, pool.idle);
      this.dbPool.set({ state: 'waiting' }, pool.waiting);
    }
  }

  private counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return new Counter({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }

  private histogram<L extends string>(name: string, help: string, labelNames: L[], buckets: number[]): Histogram<L> {
    return new Histogram({ name: PREFIX + name, help, labelNames, buckets, registers: [this.registry] });
  }

  private gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return new Gauge({ name: PREFIX + name, help, labelNames, registers: [this.registry] });
  }
}
