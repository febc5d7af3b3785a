import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NatsServer, startNats } from '../../../test/nats.js';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { migrate } from '../db/migrate.js';
import { PostgresDb } from '../db/postgres.js';
import { connectNats, ensureTopology, type Topology } from './nats-connection.js';
import { NatsDispatcher } from './nats-dispatcher.js';
import { DbJobQueue } from './db-queue.js';
import { dispatchBatch, type OutboxRow } from './nats-outbox.js';
import { NatsJobQueue } from './nats-queue.js';
import { type JobMessage, MB, STREAM } from './nats-tiers.js';

// The router on a real PostgreSQL (two dispatchers race for rows through separate pools) and a real
// nats-server: every job is published exactly once, to the subject of its tier.

const log = pino({ level: 'silent' });

/** A one-shot signal: open() once, await opened. */
function gate(): { open(): void; opened: Promise<void> } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

/** Poll until every connection has a round trip over the restarted server and JetStream answers. */
async function reconnected(conns: NatsConnection[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      for (const nc of conns) {
        await nc.flush();
        await (await jetstreamManager(nc)).getAccountInfo();
      }
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`NATS clients did not get back within ${timeoutMs} ms: ${String(err)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
const tier = { concurrency: 1, ackWaitSeconds: 30, timeoutSeconds: 60 };
const topo: Topology = { tiers: { small: tier, medium: tier, large: tier }, maxDeliver: 10 };

describe('NatsDispatcher', () => {
  let pg: PgCluster;
  let nats: NatsServer;
  let dbs: PostgresDb[];
  let ncs: NatsConnection[];
  let queue: NatsJobQueue;
  beforeAll(async () => {
    [pg, nats] = await Promise.all([startPgCluster(), startNats()]);
    dbs = [new PostgresDb(pg.url, 5), new PostgresDb(pg.url, 5)];
    await migrate(dbs[0]!);
    await dbs[0]!.query(`INSERT INTO tenants (tenant_id, name) VALUES ('t1', 't1')`);
    ncs = await Promise.all([connectNats(nats.url, 'd1'), connectNats(nats.url, 'd2')]);
    queue = new NatsJobQueue(dbs[0]!, ncs[0]!, log, { ...topo, tier: 'all', maxAttempts: 3 });
  }, 60_000);
  afterAll(async () => {
    for (const nc of ncs ?? []) await nc.close();
    for (const db of dbs ?? []) await db.close();
    await nats?.stop();
    await pg?.stop();
  });

  const streamMessages = async (): Promise<{ subject: string; m: JobMessage }[]> => {
    const jsm = await jetstreamManager(ncs[0]!);
    const { state } = await jsm.streams.info(STREAM);
    const out = [];
    for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
      const s = await jsm.streams.getMessage(STREAM, { seq }).catch(() => null);
      if (s) out.push({ subject: s.subject, m: s.json<JobMessage>() });
    }
    return out;
  };

  it('publishes each job exactly once under two racing dispatchers, on its tier’s subject', async () => {
    const sizes = [10, 100 * MB, 100 * MB + 1, 1024 * MB, 1024 * MB + 1];
    for (const [i, size] of sizes.entries())
      await dbs[0]!.query(`INSERT INTO files (id, tenant_id, name, uri, size, mime_type, content_hash, blob_key)
        VALUES ($1, 't1', $2, $2, $3, 'text/plain', 'h', 'k')`, [`00000000-0000-4000-8000-00000000000${i}`, `f${i}`, size]);
    for (const i of sizes.keys()) await queue.enqueue('t1', 'file.process', { file_id: `00000000-0000-4000-8000-00000000000${i}` });
    for (let i = 0; i < 495; i++) await queue.enqueue('t1', 'resources.embed', { file_id: null });
    const ds = [0, 1].map((i) => new NatsDispatcher(dbs[i]!, ncs[i]!, queue, log, topo, { batch: 20 }));
    // Both take part by construction, not by speed: each one's first publish waits, its batch's rows
    // locked, until the other has taken a batch too (SKIP LOCKED lets it take other rows meanwhile).
    const took = [gate(), gate()];
    ds.forEach((d, i) => {
      const inner = d as unknown as { publish(rows: OutboxRow[]): Promise<unknown> };
      const publish = inner.publish.bind(d);
      inner.publish = async (rows) => {
        took[i]!.open();
        await took[1 - i]!.opened;
        return publish(rows);
      };
    });
    await ensureTopology(ncs[0]!, topo);
    const [a, b] = await Promise.all(ds.map((d) => d.dispatchOnce()));
    expect(a! + b!).toBe(500);
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0); // both took part
    const msgs = await streamMessages();
    expect(msgs).toHaveLength(500);
    expect(new Set(msgs.map((x) => x.m.job_id)).size).toBe(500);
    const rows = await dbs[0]!.query<{ n: number }>(`SELECT count(*)::int AS n FROM jobs WHERE dispatches = 1 AND dispatched_at IS NOT NULL`);
    expect(rows[0]!.n).toBe(500);
    const bySubject = (s: string) => msgs.filter((x) => x.subject === s).length;
    expect([bySubject('p8fs.jobs.small'), bySubject('p8fs.jobs.medium'), bySubject('p8fs.jobs.large')]).toEqual([497, 2, 1]);
  }, 60_000);

  it('a dispatcher that dies between publish and commit publishes again under the same message id: no duplicate', async () => {
    await queue.enqueue('t1', 'resources.embed', { file_id: null });
    const before = (await streamMessages()).length;
    const d = new NatsDispatcher(dbs[0]!, ncs[0]!, queue, log, topo);
    // Publish, then fail before marking: the transaction rolls back and the row stays in the outbox.
    await expect(dispatchBatch(dbs[0]!, 10, async (rows) => {
      await (d as unknown as { publish: (r: typeof rows) => Promise<unknown> }).publish(rows);
      throw new Error('crash');
    })).rejects.toThrow('crash');
    expect(await d.dispatchOnce()).toBe(1);
    expect((await streamMessages()).length).toBe(before + 1);
  });

  it('puts back the jobs whose messages the broker lost, and dispatches them again', async () => {
    await nats.restart({ wipe: true }); // a server that comes back without its store
    await reconnected(ncs);
    await dbs[0]!.query(`UPDATE jobs SET updated_at = now() - interval '1 hour', run_at = now() - interval '1 hour'`);
    const d = new NatsDispatcher(dbs[0]!, ncs[0]!, queue, log, topo, { graceSeconds: 1 });
    let back = 0;
    for (let n = 1; n > 0; back += n) n = await d.reconcileOnce(); // 500 rows per pass
    expect(back).toBe(501);
    expect(await d.dispatchOnce()).toBe(501);
    const msgs = await streamMessages();
    expect(msgs).toHaveLength(501);
    expect(new Set(msgs.map((x) => x.m.dispatch))).toEqual(new Set([2]));
    expect(await d.reconcileOnce()).toBe(0); // now they are there
  }, 60_000);

  it('measures dispatch + consume of 1,000 jobs (router loop, 16 claim/complete loops)', async () => {
    await dbs[0]!.query('DELETE FROM jobs');
    const jsm = await jetstreamManager(ncs[0]!);
    await jsm.streams.purge(STREAM);
    const consumer = new NatsJobQueue(dbs[1]!, ncs[1]!, log, { ...topo, tier: 'small', maxAttempts: 3, pullMs: 1000 });
    const d = new NatsDispatcher(dbs[0]!, ncs[0]!, queue, log, topo, { batch: 200, pollMs: 20 });
    await d.start();
    const started = Date.now();
    await dbs[0]!.query(`INSERT INTO jobs (id, tenant_id, type, payload)
      SELECT gen_random_uuid(), 't1', 'resources.embed', '{"file_id": null}' FROM generate_series(1, 1000)`);
    let done = 0;
    await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      while (done < 1000) {
        const job = await consumer.claim(`w${i}`);
        if (!job) continue;
        await consumer.complete(job.id, `w${i}`);
        done++;
      }
    }));
    const ms = Date.now() - started;
    await d.stop();
    expect((await queue.counts('t1')).done).toBe(1000);
    // The baseline: the db queue, same database, same loops.
    const db = new DbJobQueue(dbs[1]!, { maxAttempts: 3 });
    await dbs[0]!.query(`INSERT INTO jobs (id, tenant_id, type, payload)
      SELECT gen_random_uuid(), 't1', 'resources.embed', '{"file_id": null}' FROM generate_series(1, 1000)`);
    const t0 = Date.now();
    let n = 0;
    await Promise.all(Array.from({ length: 16 }, async (_, i) => {
      for (let job = await db.claim(`d${i}`, 30); job; job = await db.claim(`d${i}`, 30)) {
        await db.complete(job.id, `d${i}`);
        n++;
      }
    }));
    const dbMs = Date.now() - t0;
    expect(n).toBe(1000);
    const rate = (t: number) => Math.round(1000 / (t / 1000));
    console.log(`[nats-dispatcher] 1000 jobs: nats dispatch+consume ${ms} ms = ${rate(ms)} jobs/s; db queue claim+complete ${dbMs} ms = ${rate(dbMs)} jobs/s (PostgreSQL 15, loopback nats-server, 16 loops, pool of 5)`);
  }, 120_000);

  it('carries a job\'s trace context in its message headers and back to the worker (decision 0024)', async () => {
    await dbs[0]!.query('DELETE FROM jobs');
    const jsm = await jetstreamManager(ncs[0]!);
    await jsm.streams.purge(STREAM);
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'p8=1' };
    const id = await queue.enqueue('t1', 'resources.embed', { file_id: null }, { trace });
    expect(await new NatsDispatcher(dbs[0]!, ncs[0]!, queue, log, topo).dispatchOnce()).toBe(1);
    const { state } = await jsm.streams.info(STREAM);
    const stored = await jsm.streams.getMessage(STREAM, { seq: state.last_seq });
    expect(stored?.header?.get('traceparent')).toBe(trace.traceparent);
    expect(stored?.header?.get('tracestate')).toBe('p8=1');
    const consumer = new NatsJobQueue(dbs[1]!, ncs[1]!, log, { ...topo, tier: 'small', maxAttempts: 3, pullMs: 1000 });
    let job = null;
    for (const until = Date.now() + 20_000; !job && Date.now() < until;) job = await consumer.claim('w-trace');
    expect(job).toMatchObject({ id, trace, payload: { file_id: null } });
    expect(job?.payload).not.toHaveProperty('trace');
    await consumer.complete(job!.id, 'w-trace');
  }, 60_000);
});
