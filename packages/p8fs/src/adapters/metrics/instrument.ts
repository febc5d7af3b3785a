import type { Embedder } from '../../ports/embedder.js';
import type { Metrics } from '../../ports/metrics.js';
import type { ParseOutcome, ParseRequest, ParseRunner } from '../../ports/parser.js';

const since = (started: number) => (performance.now() - started) / 1000;

/**
 * The embedder, timed: every call (a batch for resources.embed, one text for a search query)
 * observes its duration under the provider id. A decorator at the port, so the embedding service
 * and the adapters stay unaware of metrics.
 */
export function timedEmbedder(inner: Embedder, metrics: Metrics): Embedder {
  return {
    get id() { return inner.id; },
    get dimension() { return inner.dimension; },
    get maxBatch() { return inner.maxBatch; },
    async embed(texts: readonly string[]): Promise<Float32Array[]> {
      const started = performance.now();
      const vectors = await inner.embed(texts);
      metrics.embedded(inner.id, texts.length, since(started));
      return vectors;
    },
    close: () => inner.close(),
  };
}

/**
 * The parse runner, timed by the parser that read the file. A failed parse has no resolution to
 * name its parser, so it counts as "unknown" (the file's error says which).
 */
export function timedParseRunner(inner: ParseRunner, metrics: Metrics): ParseRunner {
  return {
    async parse(req: ParseRequest): Promise<ParseOutcome> {
      const started = performance.now();
      try {
        const out = await inner.parse(req);
        metrics.parsed(out.resolution.parserId, 'ok', since(started));
        return out;
      } catch (err) {
        metrics.parsed('unknown', 'failed', since(started));
        throw err;
      }
    },
    close: () => inner.close(),
  };
}
