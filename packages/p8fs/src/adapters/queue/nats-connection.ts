import { AckPolicy, DeliverPolicy, type JetStreamManager, jetstreamManager, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection, nanos } from '@nats-io/transport-node';
import { consumerOf, STREAM, SUBJECT_PREFIX, subjectOf, TIERS, type Tier, type TierSettings } from './nats-tiers.js';

/** Connect for good: reconnect forever (a restarted nats-server is waited for, not fatal). */
export function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 250, timeout: 10_000 });
}

export interface Topology {
  tiers: Record<Tier, TierSettings>;
  /** Deliveries after which JetStream stops: a backstop above the jobs' own max attempts. */
  maxDeliver: number;
}

/**
 * Create or update the stream and the per-tier durable pull consumers. Work-queue retention: a
 * message lives until acked (or terminated), so "in the stream" means "not finished".
 */
export async function ensureTopology(nc: NatsConnection, topo: Topology): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const stream = {
    name: STREAM, subjects: [`${SUBJECT_PREFIX}.>`], retention: RetentionPolicy.Workqueue,
    storage: StorageType.File, duplicate_window: nanos(120_000),
  };
  try {
    await jsm.streams.info(STREAM);
  } catch {
    await jsm.streams.add(stream).catch(async (err: unknown) => {
      // Another process created it between our look-up and add.
      if (!(await jsm.streams.info(STREAM).then(() => true, () => false))) throw err;
    });
  }
  for (const tier of TIERS) {
    const s = topo.tiers[tier];
    const cfg = {
      durable_name: consumerOf(tier), filter_subject: subjectOf(tier), ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All, ack_wait: nanos(s.ackWaitSeconds * 1000), max_deliver: topo.maxDeliver,
      // Pull requests waiting at once: every loop of every worker process of the tier.
      max_waiting: 4096,
    };
    const existing = await jsm.consumers.info(STREAM, consumerOf(tier)).catch(() => null);
    if (!existing) await jsm.consumers.add(STREAM, cfg).catch(() => jsm.consumers.info(STREAM, consumerOf(tier)));
    else if (existing.config.ack_wait !== cfg.ack_wait || existing.config.max_deliver !== cfg.max_deliver)
      await jsm.consumers.update(STREAM, consumerOf(tier), { ack_wait: cfg.ack_wait, max_deliver: cfg.max_deliver });
  }
  return jsm;
}
