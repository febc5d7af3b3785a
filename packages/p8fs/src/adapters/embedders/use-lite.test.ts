import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { UseLiteEmbedder } from './use-lite.js';
import { cosine } from './vectors.js';

// The real USE-lite model (shipped inside npm) running in a real worker thread.
describe('UseLiteEmbedder', () => {
  let embedder: UseLiteEmbedder;
  beforeAll(async () => {
    embedder = await UseLiteEmbedder.create({ threads: 1, batchSize: 16 });
  });
  afterAll(() => embedder.close());

  it('returns 512-d unit vectors in input order', async () => {
    const vectors = await embedder.embed(['hello world', '', 'another sentence']);
    expect(embedder.id).toBe('use-lite');
    expect(embedder.dimension).toBe(512);
    expect(vectors).toHaveLength(3);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v.length).toBe(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 5);
    }
    const [again] = await embedder.embed(['hello world']);
    expect(Array.from(again!)).toEqual(Array.from(vectors[0]!));
  });

  it('puts related sentences closer than unrelated ones', async () => {
    const [query, related, unrelated] = await embedder.embed([
      'when is my trip to Portugal',
      'Flight booking to Lisbon',
      'Quarterly tax report',
    ]);
    expect(cosine(query!, related!)).toBeGreaterThan(cosine(query!, unrelated!) + 0.1);
  });

  it('keeps the event loop responsive while a worker embeds', async () => {
    const texts = Array.from(
      { length: 64 },
      (_, i) => `Paragraph ${i}: the committee reviewed the budget, travel plans, and the schedule for the next quarter in detail.`,
    );
    // Event-loop utilisation: the share of the embed's wall time this thread spent running code
    // rather than waiting for events. Embedding in a worker leaves it near 0 however fast or loaded
    // the machine is; embedding in-process makes it near 1. No duration is compared with another.
    // (Not monitorEventLoopDelay: it records no sample while the loop is fully blocked.)
    const before = performance.eventLoopUtilization();
    const vectors = await embedder.embed(texts);
    const { utilization, active, idle } = performance.eventLoopUtilization(before);
    expect(vectors).toHaveLength(64);
    expect(utilization, `event loop busy ${active.toFixed(0)} ms, idle ${idle.toFixed(0)} ms`).toBeLessThan(0.5);
  });

  it('spreads batches over several threads', async () => {
    const two = await UseLiteEmbedder.create({ threads: 2, batchSize: 4 });
    try {
      expect(two.liveThreads).toBe(2);
      const texts = Array.from({ length: 10 }, (_, i) => `sentence number ${i}`);
      const [many, single] = await Promise.all([two.embed(texts), embedder.embed([texts[7]!])]);
      expect(many).toHaveLength(10);
      expect(cosine(many[7]!, single[0]!)).toBeCloseTo(1, 5);
    } finally {
      await two.close();
    }
  });

  it('terminates its workers on close and refuses work afterwards', async () => {
    const short = await UseLiteEmbedder.create({ threads: 1, batchSize: 16 });
    expect(short.liveThreads).toBe(1);
    await short.close();
    expect(short.liveThreads).toBe(0);
    const err = await short.embed(['x']).catch((e: unknown) => e);
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
  });
});
