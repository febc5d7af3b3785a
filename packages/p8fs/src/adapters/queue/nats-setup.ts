import type { Config } from '../../config/schema.js';
import type { Db } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import { connectNats, ensureTopology, type Topology } from './nats-connection.js';
import { NatsJobQueue } from './nats-queue.js';
import { TIERS, type Tier, type TierSettings } from './nats-tiers.js';

/** The tier settings from config (tier<Small|Medium|Large><Concurrency|AckWaitSeconds|TimeoutSeconds>). */
export function tierSettings(config: Config): Record<Tier, TierSettings> {
  const of = (t: 'Small' | 'Medium' | 'Large'): TierSettings => ({
    concurrency: config[`tier${t}Concurrency`],
    ackWaitSeconds: config[`tier${t}AckWaitSeconds`],
    timeoutSeconds: config[`tier${t}TimeoutSeconds`],
  });
  return { small: of('Small'), medium: of('Medium'), large: of('Large') };
}

/**
 * JetStream's max_deliver: a backstop above the jobs' attempts. Deliveries that only find another
 * worker still holding the job (after a re-dispatch) count too, hence the margin.
 */
export const maxDeliverFor = (config: Config) => config.jobMaxAttempts * 2 + 3;

/** What the worker pool of this process runs with the nats queue: its tier's limits. */
export function poolSettings(config: Config): { concurrency: number; leaseSeconds: number; timeoutSeconds?: number } {
  const tiers = tierSettings(config);
  if (config.workerTier !== 'all') {
    const t = tiers[config.workerTier];
    return { concurrency: t.concurrency, leaseSeconds: t.ackWaitSeconds, timeoutSeconds: t.timeoutSeconds };
  }
  // One process for every tier: --workers loops; heartbeats at the pace of the shortest ack_wait.
  return { concurrency: config.workers, leaseSeconds: Math.min(...TIERS.map((t) => tiers[t].ackWaitSeconds)) };
}

/** Connect, make sure the stream and the consumers exist, and build the queue (close() drains the connection). */
export async function createNatsQueue(config: Config, db: Db, log: Logger): Promise<NatsJobQueue> {
  const nc = await connectNats(config.natsUrl as string, `p8fs:${process.pid}`);
  const topo: Topology = { tiers: tierSettings(config), maxDeliver: maxDeliverFor(config) };
  try {
    await ensureTopology(nc, topo);
  } catch (err) {
    await nc.close();
    throw err;
  }
  return new NatsJobQueue(db, nc, log, { ...topo, tier: config.workerTier, maxAttempts: config.jobMaxAttempts });
}
