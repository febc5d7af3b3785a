import { describe, expect, it } from 'vitest';
import { TenantGate } from './tenant-gate.js';

/** A gate on a clock the test moves. */
function gate(over: Partial<ConstructorParameters<typeof TenantGate>[0]> = {}) {
  let now = 0;
  const g = new TenantGate({ timeoutMs: 1000, concurrency: 2, queue: 2, dbMsPerMinute: 60_000, now: () => now, ...over });
  return { g, tick: (ms: number) => { now += ms; } };
}

/** A request that holds its slot until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((r) => { release = r; });
  return { release, fn: () => done };
}

describe('TenantGate', () => {
  it('runs a tenant’s requests two at a time, queues two more, refuses the rest with rate_limited', async () => {
    const { g } = gate();
    const reqs = Array.from({ length: 5 }, () => held());
    const started: number[] = [];
    const runs = reqs.map((r, i) => g.run('a', undefined, async () => { started.push(i); await r.fn(); }).then(() => 'ok', (e: { code: string }) => e.code));
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(await runs[4]).toBe('rate_limited');
    reqs[0]?.release();
    await expect.poll(() => started).toEqual([0, 1, 2]);
    for (const r of reqs) r.release();
    expect(await Promise.all(runs)).toEqual(['ok', 'ok', 'ok', 'ok', 'rate_limited']);
  });

  it('another tenant is not held by a tenant that fills its slots', async () => {
    const { g } = gate();
    const a = [held(), held(), held(), held()];
    const pending = a.map((r) => g.run('a', undefined, r.fn));
    expect(await g.run('b', undefined, async () => 'b ran')).toBe('b ran');
    for (const r of a) r.release();
    await Promise.all(pending);
  });

  it('charges database time and refuses a tenant that used its minute, with a retry time; the bucket refills', async () => {
    const { g, tick } = gate({ dbMsPerMinute: 1000 });
    // A read that used 1.2 s of database time (the budget's own accounting, faked here).
    await g.run('a', undefined, async (budget) => { Object.defineProperty(budget, 'spentMs', { value: 1200 }); });
    const refused = await g.run('a', undefined, async () => 'ran').catch((e: { code: string; details: { retry_after_seconds: number } }) => e);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect((refused as { details: { retry_after_seconds: number } }).details.retry_after_seconds).toBeGreaterThanOrEqual(13);
    expect(await g.run('b', undefined, async () => 'b ran')).toBe('b ran');
    tick(60_000);
    expect(await g.run('a', undefined, async () => 'ran again')).toBe('ran again');
  });

  it('a waiting request whose caller goes away leaves the queue without running', async () => {
    const { g } = gate({ concurrency: 1 });
    const first = held();
    const running = g.run('a', undefined, first.fn);
    const abort = new AbortController();
    let ran = false;
    const waiting = g.run('a', abort.signal, async () => { ran = true; });
    abort.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'query.cancelled' });
    first.release();
    await running;
    expect(ran).toBe(false);
    expect(await g.run('a', undefined, async () => 'next')).toBe('next');
  });
});
