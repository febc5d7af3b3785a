import { hostname } from 'node:os';
import { errorMessage } from '../../domain/errors.js';
import { newId } from '../../domain/ids.js';
import type { ClaimedJob, JobQueue } from '../../ports/job-queue.js';
import type { Logger } from '../../ports/logger.js';
import { type Metrics, NO_METRICS } from '../../ports/metrics.js';
import { type ActiveSpan, NO_TRACING, type Tracing } from '../../ports/tracing.js';
import type { Services } from '../../app.js';
import { JOB_HANDLERS } from './handlers.js';

export interface PoolOptions {
  concurrency: number;
  leaseSeconds: number;
  pollMs?: number;
  /** A job running longer is failed (retried with backoff while attempts remain); unset: no limit. */
  timeoutSeconds?: number;
}

/**
 * Runs jobs from the queue with N concurrent loops. A job's lease is renewed while it runs; if
 * this process dies the lease runs out and another worker (or this one, restarted) takes it.
 */
export class WorkerPool {
  readonly id = `${hostname()}:${process.pid}:${newId().slice(0, 8)}`;
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly wakers = new Set<() => void>();
  private unsubscribe: (() => void) | null = null;
  private active = 0;
  private janitor: NodeJS.Timeout | null = null;

  constructor(
    private readonly queue: JobQueue,
    private readonly svc: Services,
    private readonly log: Logger,
    private readonly opts: PoolOptions,
    private readonly metrics: Metrics = NO_METRICS,
    private readonly tracing: Tracing = NO_TRACING,
  ) {}

  /** Start the loops (no-op when concurrency is 0). */
  start(): void {
    if (this.running || this.opts.concurrency <= 0) return;
    this.running = true;
    this.unsubscribe = this.queue.onEnqueue(() => this.wakeAll());
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(this.loop(i));
    this.janitor = setInterval(() => this.prune(), 3_600_000);
    this.janitor.unref();
    this.prune();
    this.log.info({ worker: this.id, concurrency: this.opts.concurrency }, 'worker pool started');
  }

  /** Stop claiming and wait for the jobs in flight. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    if (this.janitor) clearInterval(this.janitor);
    this.unsubscribe?.();
    this.wakeAll();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Jobs this pool runs at once. */
  get concurrency(): number {
    return this.opts.concurrency;
  }

  /** Jobs running right now in this pool. */
  get busy(): number {
    return this.active;
  }

  private async loop(n: number): Promise<void> {
    while (this.running) {
      let job: ClaimedJob | null = null;
      try {
        job = await this.queue.claim(`${this.id}#${n}`, this.opts.leaseSeconds);
      } catch (err) {
        if (!this.running) return;
        this.log.error({ err: errorMessage(err) }, 'claiming a job failed');
      }
      if (!job) {
        await this.sleep(this.opts.pollMs ?? 1000);
        continue;
      }
      this.active++;
      try {
        // The job's span continues the trace it was enqueued in (decision 0024); recording the outcome is inside it.
        const claimed = job;
        await this.tracing.span(`job ${job.type}`, (span) => this.execute(claimed, `${this.id}#${n}`, span), {
          kind: 'consumer', parent: job.trace,
          attributes: { 'p8fs.job.type': job.type, 'p8fs.job.id': job.id, 'p8fs.job.attempt': job.attempts },
        });
      } catch (err) {
        // Recording the outcome failed (the database went away mid-job). The job's lease runs out and
        // it is claimed again; handlers are idempotent. The loop must live on, or the process dies.
        this.log.error({ err: errorMessage(err), job: job.id }, 'recording a job outcome failed');
        await this.sleep(this.opts.pollMs ?? 1000);
      } finally {
        this.active--;
      }
    }
  }

  private async execute(job: ClaimedJob, workerId: string, span: ActiveSpan): Promise<void> {
    const handler = JOB_HANDLERS[job.type];
    const log = this.log.child({ job: job.id, type: job.type, tenant: job.tenantId, attempt: job.attempts });
    const beat = setInterval(() => {
      this.queue.heartbeat(job.id, workerId, this.opts.leaseSeconds).catch((err) => log.warn({ err: errorMessage(err) }, 'heartbeat failed'));
    }, Math.max(1000, (this.opts.leaseSeconds * 1000) / 3));
    const started = Date.now();
    const run = handler.run(job, this.svc);
    try {
      await withTimeout(run, this.opts.timeoutSeconds);
      await this.queue.complete(job.id, workerId);
      this.metrics.jobFinished(job.type, 'done', (Date.now() - started) / 1000);
      log.debug({ ms: Date.now() - started }, 'job done');
    } catch (err) {
      const msg = errorMessage(err);
      const outcome = await this.queue.fail(job.id, workerId, msg, { retry: handler.retryable(err) });
      this.metrics.jobFinished(job.type, outcome, (Date.now() - started) / 1000);
      // The handler's error is recorded, not rethrown: the span is marked failed here, with its outcome.
      span.setAttributes({ 'p8fs.job.outcome': outcome });
      span.fail(msg);
      log.warn({ err: msg, outcome }, 'job failed');
      if (outcome === 'dead') await handler.onDead?.(job, msg, this.svc).catch((e) => log.error({ err: errorMessage(e) }, 'onDead failed'));
    } finally {
      clearInterval(beat);
      // A timed-out handler cannot be cancelled: its slot stays taken until it ends, so the pool
      // never runs more than its concurrency.
      await run.catch(() => {});
    }
  }

  /** Finished jobs are kept a while for inspection, then removed. */
  private prune(): void {
    this.queue.prune().then(
      (n) => n && this.log.debug({ removed: n }, 'pruned finished jobs'),
      (err) => this.log.warn({ err: errorMessage(err) }, 'pruning jobs failed'),
    );
  }

  private wakeAll(): void {
    for (const w of [...this.wakers]) w();
  }

  /** Sleep until the poll interval passes or a job is enqueued in this process. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakers.delete(done);
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakers.add(done);
    });
  }
}

/** Reject when the promise has not settled within the limit (none: wait as long as it takes). */
function withTimeout<T>(p: Promise<T>, seconds: number | undefined): Promise<T> {
  if (!seconds) return p;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`job timed out after ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}
