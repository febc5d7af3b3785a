import type { JobPayload, JobType } from '@p8fs/contracts';
import type { Db, SqlRunner } from '../../ports/db.js';
import type { Embedder } from '../../ports/embedder.js';
import type { EnqueueOptions, JobQueue } from '../../ports/job-queue.js';
import type { ParseOutcome, ParseRequest, ParseRunner } from '../../ports/parser.js';
import type { Tracing } from '../../ports/tracing.js';

/**
 * Spans at the ports (decision 0024), like the metrics decorators: the services and the adapters
 * stay unaware of tracing. With tracing off each returns its argument untouched: no cost at all.
 * The queue and the database keep their class (a Proxy), since app.ts tells adapters apart by it.
 */
function override<T extends object>(target: T, methods: Partial<T>): T {
  return new Proxy(target, {
    get(t, prop) {
      if (prop in methods) return methods[prop as keyof T];
      const v = Reflect.get(t, prop, t);
      // Bound to the real object: its private fields are not reachable through the proxy.
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

/** The first keyword of a statement (SELECT, INSERT, WITH…): a bounded span attribute, unlike the SQL. */
const operationOf = (sql: string) => /^\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? 'OTHER';

/**
 * One span per top-level statement and one per transaction (its statements are not spanned one by
 * one), and only inside a trace: the pollers' claims and janitors start none.
 */
export function tracedDb<T extends Db>(db: T, tracing: Tracing): T {
  if (!tracing.enabled) return db;
  const system = db.kind === 'postgres' ? 'postgresql' : 'pglite';
  const span = <R>(name: string, fn: () => Promise<R>, op?: string) =>
    tracing.span(name, () => fn(), {
      kind: 'client', onlyInTrace: true, attributes: { 'db.system.name': system, ...(op ? { 'db.operation.name': op } : {}) },
    });
  return override<T>(db, {
    query: (<R>(sql: string, params?: readonly unknown[]) => span(`db ${operationOf(sql)}`, () => db.query<R>(sql, params), operationOf(sql))) as Db['query'],
    transaction: (<R>(fn: (tx: SqlRunner) => Promise<R>) => span('db transaction', () => db.transaction(fn))) as Db['transaction'],
    readOnly: ((fn, bounds) => span('db read-only', () => db.readOnly(fn, bounds))) as Db['readOnly'],
  } as Partial<T>);
}

/**
 * enqueue becomes a producer span whose context the job carries (EnqueueOptions.trace); the worker
 * pool continues it from ClaimedJob.trace.
 */
export function tracedQueue<Q extends JobQueue>(queue: Q, tracing: Tracing): Q {
  if (!tracing.enabled) return queue;
  const enqueue = <T extends JobType>(tenantId: string, type: T, payload: JobPayload<T>, opts: EnqueueOptions = {}) =>
    tracing.span(`enqueue ${type}`, async (span) => {
      const id = await queue.enqueue(tenantId, type, payload, { ...opts, trace: tracing.carrier() });
      // null: a queued job with the same dedupe key already exists; this trace ends here.
      span.setAttributes({ 'p8fs.job.type': type, 'p8fs.job.deduped': id === null, ...(id ? { 'p8fs.job.id': id } : {}) });
      return id;
    }, { kind: 'producer' });
  return override<Q>(queue, { enqueue } as Partial<Q>);
}

/** One span per parse, named by the parser that read the file once it is known. */
export function tracedParseRunner(inner: ParseRunner, tracing: Tracing): ParseRunner {
  if (!tracing.enabled) return inner;
  return {
    parse: (req: ParseRequest): Promise<ParseOutcome> =>
      tracing.span('parse', async (span) => {
        const out = await inner.parse(req);
        span.setAttributes({ 'p8fs.parser': out.resolution.parserId, 'p8fs.parser.version': out.resolution.parserVersion, 'p8fs.mime_type': out.resolution.mimeType });
        return out;
      }),
    close: () => inner.close(),
  };
}

/** One span per embedder call (a batch, or a search query's one text). */
export function tracedEmbedder(inner: Embedder, tracing: Tracing): Embedder {
  if (!tracing.enabled) return inner;
  return {
    get id() { return inner.id; },
    get dimension() { return inner.dimension; },
    get maxBatch() { return inner.maxBatch; },
    embed: (texts: readonly string[]) =>
      tracing.span('embed', () => inner.embed(texts), { attributes: { 'p8fs.embedder': inner.id, 'p8fs.embed.texts': texts.length } }),
    close: () => inner.close(),
  };
}
