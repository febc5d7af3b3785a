import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';
import { BoundedEventStore } from './event-store.js';

const msg = (id: number): JSONRPCMessage => ({ jsonrpc: '2.0', id, result: {} });

describe('BoundedEventStore', () => {
  it('replays the events of the same stream after the last one seen, in order', async () => {
    const store = new BoundedEventStore();
    const a1 = await store.storeEvent('a', msg(1));
    await store.storeEvent('b', msg(2));
    await store.storeEvent('a', msg(3));
    await store.storeEvent('a', msg(4));
    const sent: unknown[] = [];
    const stream = await store.replayEventsAfter(a1, { send: async (_id, m) => void sent.push((m as { id: number }).id) });
    expect(stream).toBe('a');
    expect(sent).toEqual([3, 4]);
    expect(await store.getStreamIdForEventId(a1)).toBe('a');
  });

  it('keeps only the newest events, and replays nothing after an id it no longer holds', async () => {
    const store = new BoundedEventStore(2);
    const first = await store.storeEvent('a', msg(1));
    await store.storeEvent('a', msg(2));
    await store.storeEvent('a', msg(3));
    const sent: unknown[] = [];
    expect(await store.replayEventsAfter(first, { send: async (_id, m) => void sent.push(m) })).toBe('');
    expect(sent).toEqual([]);
  });
});
