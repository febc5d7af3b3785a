import type { Db } from '../../ports/db.js';
import type { QueueBacklog } from '../../ports/metrics.js';
import { TIER_LIMITS, TIERS } from './nats-tiers.js';

/**
 * Queued jobs per size tier, read from the jobs table (the record of both queues, so one query
 * serves the db queue and NATS alike). A dispatched row has its tier; an undispatched one (and
 * every row of the db queue) gets the tier its file's size would give it, as the outbox does.
 * Every tier is listed, with zeros, so its series exist before the first job.
 */
export async function queueBacklog(db: Db): Promise<QueueBacklog[]> {
  const rows = await db.query<{ tier: string; queued: number; oldest: number | null }>(
    `SELECT coalesce(j.tier, CASE WHEN j.type <> 'file.process' OR f.size IS NULL OR f.size <= $1 THEN 'small'
                                  WHEN f.size <= $2 THEN 'medium' ELSE 'large' END) AS tier,
            count(*)::int AS queued,
            extract(epoch FROM now() - min(j.run_at) FILTER (WHERE j.run_at <= now()))::float8 AS oldest
     FROM jobs j
     LEFT JOIN files f ON j.type = 'file.process' AND f.tenant_id = j.tenant_id AND f.id::text = j.payload->>'file_id'
     WHERE j.status = 'queued'
     GROUP BY 1`,
    [TIER_LIMITS.small, TIER_LIMITS.medium],
  );
  const byTier = new Map(rows.map((r) => [r.tier, r]));
  return TIERS.map((tier) => {
    const r = byTier.get(tier);
    return { tier, queued: r?.queued ?? 0, oldestSeconds: Math.max(0, r?.oldest ?? 0) };
  });
}
