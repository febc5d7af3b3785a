import { type JetStreamClient, type JetStreamManager, jetstream } from '@nats-io/jetstream';
import { headers, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { Db } from '../../ports/db.js';
import type { JobQueue } from '../../ports/job-queue.js';
import type { Logger } from '../../ports/logger.js';
import { traceHeaders } from './job-trace.js';
import { ensureTopology, type Topology } from './nats-connection.js';
import { dispatchBatch, markUndeliverable, messageOf, type OutboxRow, type Published, returnToOutbox, staleDispatched, tierOf } from './nats-outbox.js';
import { type JobMessage, msgIdOf, STREAM, subjectOf } from './nats-tiers.js';

export interface DispatcherOptions {
  batch?: number;
  /** Poll interval of the outbox when nothing in this process woke the dispatcher. */
  pollMs?: number;
  /** How often dispatched, unfinished rows are checked against the stream. */
  reconcileMs?: number;
  /** A row is checked once it is this long past its run time or lease. */
  graceSeconds?: number;
}

/**
 * The router: moves queued rows of the jobs table (the outbox) to JetStream, one subject per tier,
 * and puts back rows whose message the broker lost. Any number may run: rows are claimed with SKIP
 * LOCKED and each dispatch has its own message id.
 */
export class NatsDispatcher {
  private js: JetStreamClient;
  private jsm: JetStreamManager | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private timer: NodeJS.Timeout | null = null;
  private advisories: Subscription | null = null;
  private unsubscribe: (() => void) | null = null;
  dispatched = 0;

  constructor(
    private readonly db: Db,
    private readonly nc: NatsConnection,
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly topo: Topology,
    private readonly opts: DispatcherOptions = {},
  ) {
    this.js = jetstream(nc);
  }

  async start(): Promise<void> {
    this.jsm = await ensureTopology(this.nc, this.topo);
    this.running = true;
    this.unsubscribe = this.queue.onEnqueue(() => this.wake?.());
    this.advisories = this.nc.subscribe(`$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAM}.*`, {
      callback: (err, msg) => void (err ? null : this.onMaxDeliveries(msg.json<{ stream_seq: number; deliveries: number }>())),
    });
    this.loop = this.run();
    this.timer = setInterval(() => void this.reconcileOnce().catch((err) => this.log.warn({ err: String(err) }, 'reconcile failed')),
      this.opts.reconcileMs ?? 10_000);
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearInterval(this.timer);
    this.unsubscribe?.();
    this.advisories?.unsubscribe();
    this.wake?.();
    await this.loop;
  }

  /** Publish every runnable undispatched row; returns how many were published. */
  async dispatchOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await dispatchBatch(this.db, this.opts.batch ?? 200, (rows) => this.publish(rows));
      total += n;
      if (n === 0) break;
    }
    this.dispatched += total;
    return total;
  }

  /** Return to the outbox the dispatched, unfinished rows whose message is no longer in the stream. */
  async reconcileOnce(): Promise<number> {
    const jsm = await this.manager();
    let back = 0;
    for (const row of await staleDispatched(this.db, this.opts.graceSeconds ?? 30, 500)) {
      const stored = await jsm.streams.getMessage(STREAM, { seq: row.stream_seq }).catch(async (err: unknown) => {
        if (!String(err).includes('not found')) throw err;
        this.jsm = await ensureTopology(this.nc, this.topo); // the stream itself is gone
        return null;
      });
      const m = stored?.json<JobMessage>();
      // After a store loss sequences start again: the same seq may hold another job's message.
      if (m && m.job_id === row.id && m.dispatch === row.dispatches) continue;
      if (await returnToOutbox(this.db, row)) back++;
    }
    if (back > 0) {
      this.log.warn({ jobs: back }, 'messages lost by the broker: jobs dispatched again');
      this.wake?.();
    }
    return back;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let n = 0;
      try {
        n = await this.dispatchOnce();
      } catch (err) {
        this.log.warn({ err: String(err) }, 'dispatching jobs failed');
      }
      if (n === 0 && this.running) await new Promise<void>((resolve) => {
        const t = setTimeout(() => this.wake?.(), this.opts.pollMs ?? 250);
        this.wake = () => {
          clearTimeout(t);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  private publish(rows: OutboxRow[]): Promise<(Published | null)[]> {
    return Promise.all(rows.map(async (r) => {
      const tier = tierOf(r);
      const m = messageOf(r);
      try {
        const ack = await this.js.publish(subjectOf(tier), JSON.stringify(m), { msgID: msgIdOf(r.id, m.dispatch), timeout: 5000, headers: messageHeaders(r) });
        return { id: r.id, tier, seq: ack.seq };
      } catch (err) {
        this.log.debug({ job: r.id, err: String(err) }, 'publish failed; the row stays in the outbox');
        return null;
      }
    }));
  }

  /** JetStream gave up on a message (max_deliver): record the dead letter and drop the message. */
  /** The stream manager, with the topology ensured once. */
  private async manager(): Promise<JetStreamManager> {
    this.jsm ??= await ensureTopology(this.nc, this.topo);
    return this.jsm;
  }

  private async onMaxDeliveries(a: { stream_seq: number; deliveries: number }): Promise<void> {
    try {
      const jsm = await this.manager();
      const stored = await jsm.streams.getMessage(STREAM, { seq: a.stream_seq });
      if (!stored) return;
      await markUndeliverable(this.db, stored.json<JobMessage>().job_id, a.deliveries);
      await jsm.streams.deleteMessage(STREAM, a.stream_seq, false);
    } catch (err) {
      this.log.warn({ err: String(err), seq: a.stream_seq }, 'recording an undeliverable job failed');
    }
  }
}

/** W3C trace headers of a traced job (decision 0024), so NATS-side tools see the trace too; none when untraced. */
function messageHeaders(r: OutboxRow) {
  const entries = Object.entries(traceHeaders({ trace: r.trace }));
  if (entries.length === 0) return undefined;
  const h = headers();
  for (const [k, v] of entries) h.set(k, v);
  return h;
}
