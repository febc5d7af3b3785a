import { type Consumer, type JetStreamClient, type JsMsg, jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JobPayload, JobType } from '@p8fs/contracts';
import type { Db } from '../../ports/db.js';
import type { ClaimedJob, EnqueueOptions, JobCounts, JobQueue } from '../../ports/job-queue.js';
import type { Logger } from '../../ports/logger.js';
import { ensureTopology, type Topology } from './nats-connection.js';
import { DbJobQueue } from './db-queue.js';
import { splitStored } from './job-trace.js';
import { completeJob, failJob, startJob } from './nats-jobs-sql.js';
import { consumerOf, type JobMessage, STREAM, TIERS, type Tier } from './nats-tiers.js';

const key = (jobId: string, workerId: string) => `${jobId}|${workerId}`;

export interface NatsQueueOptions extends Topology {
  /** The tier whose consumer claim() pulls from; 'all' rotates through every tier (one process does all). */
  tier: Tier | 'all';
  maxAttempts: number;
  /** How long one pull waits for a message before claim() returns null. */
  pullMs?: number;
}

/**
 * The NATS JetStream queue. The jobs table stays the outbox and the record (status, attempts, last
 * error, dead letters): enqueue writes a row in the caller's transaction and the dispatcher
 * (`p8fs router`) publishes it to p8fs.jobs.<tier>. claim() pulls a message from the tier's durable
 * consumer and starts the row; the message is acked, nak'd (with the backoff) or terminated only
 * after the row records the outcome. See docs/decisions/0013-nats-queue.md.
 */
export class NatsJobQueue implements JobQueue {
  private readonly outbox: DbJobQueue;
  private readonly js: JetStreamClient;
  private readonly held = new Map<string, { msg: JsMsg; lease: number }>();
  private readonly consumers = new Map<Tier, Consumer>();
  private turn = 0;

  constructor(
    private readonly db: Db,
    readonly nc: NatsConnection,
    private readonly log: Logger,
    readonly opts: NatsQueueOptions,
  ) {
    this.outbox = new DbJobQueue(db, { maxAttempts: opts.maxAttempts });
    this.js = jetstream(nc);
  }

  enqueue<T extends JobType>(tenantId: string, type: T, payload: JobPayload<T>, o?: EnqueueOptions): Promise<string | null> {
    return this.outbox.enqueue(tenantId, type, payload, o);
  }

  /** Pull the next message of this worker's tier and start its job; null when none came in time. */
  async claim(workerId: string): Promise<ClaimedJob | null> {
    const tier = this.opts.tier === 'all' ? TIERS[this.turn++ % TIERS.length]! : this.opts.tier;
    const wait = (this.opts.pullMs ?? 2000) / (this.opts.tier === 'all' ? TIERS.length : 1);
    let msg: JsMsg | null;
    try {
      msg = await (await this.consumer(tier)).next({ expires: Math.max(1000, wait) }) // the client's minimum;
    } catch (err) {
      this.consumers.delete(tier); // the server may have lost the consumer: look it up (or create it) again
      this.log.debug({ err: String(err), tier }, 'pulling a job failed');
      await new Promise((r) => setTimeout(r, 250));
      return null;
    }
    if (!msg) return null;
    const m = msg.json<JobMessage>();
    const lease = this.opts.tiers[tier].ackWaitSeconds;
    const started = await startJob(this.db, m.job_id, workerId, lease);
    if ('action' in started) {
      if (started.action === 'nak') msg.nak(started.delayMs);
      else msg.ack(); // finished, gone, or dead now: the row says so
      this.log.debug({ job: m.job_id, tier, outcome: started }, 'delivered job not started');
      return null;
    }
    if (started.tenant_id !== m.tenant_id) this.log.warn({ job: m.job_id, message: m.tenant_id, row: started.tenant_id }, 'message tenant differs from the row');
    this.held.set(key(started.id, workerId), { msg, lease });
    // The row is the record: its trace is the enqueuer's (the message headers carry the same, for NATS tools).
    const { payload, trace } = splitStored(started.payload);
    return {
      id: started.id, tenantId: started.tenant_id, type: started.type, payload: payload as never,
      attempts: started.attempts, maxAttempts: started.max_attempts, ...(trace ? { trace } : {}),
    };
  }

  /** working(): JetStream restarts the ack_wait clock; the row's lease moves along with it. */
  async heartbeat(jobId: string, workerId: string): Promise<void> {
    const h = this.held.get(key(jobId, workerId));
    if (!h) return;
    h.msg.working();
    await this.outbox.heartbeat(jobId, workerId, h.lease);
  }

  async complete(jobId: string, workerId: string): Promise<void> {
    // Not ours any more (lease ran out): the worker that has it now acks the message.
    if (await completeJob(this.db, jobId, workerId)) await this.settle(jobId, workerId, (msg) => msg.ackAck().then(() => undefined));
    else this.held.delete(key(jobId, workerId));
  }

  async fail(jobId: string, workerId: string, error: string, opts: { retry: boolean }): Promise<'retry' | 'dead'> {
    const r = await failJob(this.db, jobId, workerId, error, opts.retry);
    // lost: another worker took the job after our lease ran out; its delivery decides, leave ours be.
    if (r.outcome === 'retry') await this.settle(jobId, workerId, (msg) => msg.nak(r.delayMs));
    // Dead: the row is the dead letter. Acked, not term()'d: a work-queue stream keeps terminated messages.
    else if (r.outcome === 'dead') await this.settle(jobId, workerId, (msg) => msg.ackAck().then(() => undefined));
    else this.held.delete(key(jobId, workerId));
    return r.outcome === 'dead' ? 'dead' : 'retry';
  }

  counts(tenantId?: string): Promise<JobCounts> {
    return this.outbox.counts(tenantId);
  }

  prune(): Promise<number> {
    return this.outbox.prune();
  }

  onEnqueue(listener: () => void): () => void {
    return this.outbox.onEnqueue(listener);
  }

  /** Drain the connection: pending acks reach the server first. */
  async close(): Promise<void> {
    if (!this.nc.isClosed()) await this.nc.drain().catch(() => this.nc.close());
  }

  private async settle(jobId: string, workerId: string, fn: (msg: JsMsg) => void | Promise<void>): Promise<void> {
    const h = this.held.get(key(jobId, workerId));
    this.held.delete(key(jobId, workerId));
    if (!h) return;
    try {
      await fn(h.msg);
    } catch (err) {
      // The row already records the outcome: a redelivery finds it finished and is acked then.
      this.log.warn({ job: jobId, err: String(err) }, 'settling the message failed; it will be redelivered and skipped');
    }
  }

  private async consumer(tier: Tier): Promise<Consumer> {
    let c = this.consumers.get(tier);
    if (!c) {
      c = await this.js.consumers.get(STREAM, consumerOf(tier)).catch(async () => {
        await ensureTopology(this.nc, this.opts);
        return this.js.consumers.get(STREAM, consumerOf(tier));
      });
      this.consumers.set(tier, c);
    }
    return c;
  }
}
