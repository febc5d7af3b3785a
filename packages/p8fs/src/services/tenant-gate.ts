import { AppError } from '../domain/errors.js';
import { Semaphore } from '../domain/semaphore.js';
import { QueryBudget } from './query-budget.js';

export interface TenantGateOptions {
  /** Budget of one request, ms. */
  timeoutMs: number;
  /** Requests one tenant runs at once. */
  concurrency: number;
  /** Requests one tenant may have waiting for a slot; more are refused at once. */
  queue: number;
  /** Database time one tenant may use per minute, ms (a bucket that refills continuously). */
  dbMsPerMinute: number;
  now?: () => number;
}

interface TenantState {
  slots: Semaphore;
  /** Database ms left in the bucket, as of `at`. */
  tokens: number;
  at: number;
}

/** The least a request is charged, so a flood of trivial reads still drains the bucket. */
const MIN_CHARGE_MS = 20;
/** Tenants remembered at most; idle tenants with a full bucket are forgotten first. */
const MAX_TENANTS = 10_000;

/**
 * Fairness between tenants for the reads they shape (search, REM): each tenant runs at most
 * `concurrency` at once with a bounded queue, and pays for the database time its reads used from a
 * bucket of `dbMsPerMinute`. A tenant that floods the vault with requests, or keeps running
 * statements that hit their budget, is answered 429 (rate_limited, with a retry time) while other
 * tenants' requests go on: 400 concurrent searches from one tenant leave the others a short queue.
 */
export class TenantGate {
  private readonly tenants = new Map<string, TenantState>();
  private readonly now: () => number;

  constructor(private readonly opts: TenantGateOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** The gate configured for a server: budget, slots and database time per tenant. */
  static fromConfig(c: { queryTimeoutSeconds: number; tenantQueryConcurrency: number; tenantQueryQueue: number; tenantQuerySecondsPerMinute: number }): TenantGate {
    return new TenantGate({
      timeoutMs: c.queryTimeoutSeconds * 1000, concurrency: c.tenantQueryConcurrency, queue: c.tenantQueryQueue,
      dbMsPerMinute: c.tenantQuerySecondsPerMinute * 1000,
    });
  }

  /** Run fn for the tenant with a fresh QueryBudget, waiting for a slot if need be. */
  async run<T>(tenantId: string, signal: AbortSignal | undefined, fn: (budget: QueryBudget) => Promise<T>): Promise<T> {
    const t = this.state(tenantId);
    this.refill(t);
    if (t.tokens <= 0) {
      const seconds = Math.max(1, Math.ceil((-t.tokens + MIN_CHARGE_MS) / this.refillPerMs() / 1000));
      throw new AppError('rate_limited', `this vault's queries used their database time for now; try again in ${seconds} s`, { retry_after_seconds: seconds });
    }
    if (t.slots.held >= this.opts.concurrency && t.slots.queued >= this.opts.queue) {
      throw new AppError('rate_limited', `too many searches and queries at once for this vault (${this.opts.concurrency} run, ${this.opts.queue} wait); try again shortly`, { retry_after_seconds: 1 });
    }
    await t.slots.acquire(signal);
    const budget = new QueryBudget(this.opts.timeoutMs, signal);
    try {
      return await fn(budget);
    } finally {
      this.refill(t);
      t.tokens -= Math.max(MIN_CHARGE_MS, budget.spentMs);
      t.slots.release();
    }
  }

  private state(tenantId: string): TenantState {
    let t = this.tenants.get(tenantId);
    if (!t) {
      if (this.tenants.size >= MAX_TENANTS) this.forgetIdle();
      t = { slots: new Semaphore(this.opts.concurrency), tokens: this.opts.dbMsPerMinute, at: this.now() };
      this.tenants.set(tenantId, t);
    }
    return t;
  }

  private refill(t: TenantState): void {
    const now = this.now();
    t.tokens = Math.min(this.opts.dbMsPerMinute, t.tokens + (now - t.at) * this.refillPerMs());
    t.at = now;
  }

  private refillPerMs(): number {
    return this.opts.dbMsPerMinute / 60_000;
  }

  private forgetIdle(): void {
    for (const [id, t] of this.tenants) {
      this.refill(t);
      if (t.slots.held === 0 && t.slots.queued === 0 && t.tokens >= this.opts.dbMsPerMinute) this.tenants.delete(id);
    }
  }
}
