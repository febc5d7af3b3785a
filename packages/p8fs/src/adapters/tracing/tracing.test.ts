import { UploadResult } from '@p8fs/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, waitFor } from '../../../test/support.js';
import { OtlpReceiver, type ReceivedSpan } from '../../../test/otlp-receiver.js';
import type { App } from '../../app.js';
import { createHttpApp } from '../../transports/http/app.js';
import { createTracing } from './index.js';

const NOTE = '# Tide tables\n\nThe harbour master posts the spring tides on the chandlery door every Monday.\n';
const SERVER = 2;
const PRODUCER = 4;
const CONSUMER = 5;

// The OTel context manager is global: this file's app enables it and its close() disables it again
// (vitest runs each file in its own worker, so nothing reaches other files either way).
describe('traces: one upload through the HTTP API is one connected trace', () => {
  const receiver = new OtlpReceiver();
  let app: App & { dataDir: string };
  let endpoint = '';

  beforeAll(async () => {
    endpoint = await receiver.start();
    const tracing = await createTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, 'p8fs', 'test');
    expect(tracing.enabled).toBe(true);
    app = await createTestApp({}, { tracing });
  });
  afterAll(async () => {
    await app?.close();
    await receiver.stop();
  });

  it('links request, enqueue, jobs, parse, embed and database spans under one trace id', async () => {
    const http = createHttpApp(app, { actorFor: () => app.owner });
    const fd = new FormData();
    fd.append('path', 'notes/tides.md');
    fd.append('file', new Blob([NOTE], { type: 'text/markdown' }), 'tides.md');
    const res = await http.request('/api/v1/files', { method: 'POST', body: fd });
    expect(res.status).toBe(202);
    const { id } = UploadResult.parse(await res.json());
    app.pool.start();
    await waitFor(async () => {
      const rows = await app.db.query<{ status: string }>('SELECT status FROM files WHERE id = $1', [id]);
      return rows[0]?.status === 'indexed';
    });
    // close() stops the pool (jobs in flight end their spans) and then flushes the exporter.
    await app.close();

    const spans = receiver.spans;
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found, `${name} in ${spans.map((s) => s.name).join(', ')}`).toHaveLength(1);
      return found[0]!;
    };
    const request = one('POST /api/v1/files');
    expect(request).toMatchObject({ kind: SERVER, parentSpanId: '', service: 'p8fs' });
    expect(request.attributes).toMatchObject({ 'http.route': '/api/v1/files', 'http.response.status_code': 202, 'http.request.method': 'POST' });
    const enqueueProcess = one('enqueue file.process');
    const jobProcess = one('job file.process');
    const parse = one('parse');
    const enqueueEmbed = one('enqueue resources.embed');
    const jobEmbed = one('job resources.embed');
    const embeds = spans.filter((s) => s.name === 'embed');
    expect(embeds.length).toBeGreaterThan(0);

    const trace = [request, enqueueProcess, jobProcess, parse, enqueueEmbed, jobEmbed, ...embeds];
    expect(new Set(trace.map((s) => s.traceId))).toEqual(new Set([request.traceId]));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (s: ReceivedSpan): ReceivedSpan[] => {
      const out: ReceivedSpan[] = [];
      for (let p = byId.get(s.parentSpanId); p; p = byId.get(p.parentSpanId)) out.push(p);
      return out;
    };
    // The enqueue runs in the upload's transaction (a db span between); the jobs continue the enqueues.
    expect(ancestors(enqueueProcess)).toContain(request);
    expect(enqueueProcess.kind).toBe(PRODUCER);
    expect(jobProcess).toMatchObject({ kind: CONSUMER, parentSpanId: enqueueProcess.spanId });
    expect(jobProcess.attributes).toMatchObject({ 'p8fs.job.type': 'file.process' });
    expect(parse.parentSpanId).toBe(jobProcess.spanId);
    expect(parse.attributes).toMatchObject({ 'p8fs.parser': 'markdown' });
    expect(ancestors(enqueueEmbed)).toContain(jobProcess);
    expect(jobEmbed).toMatchObject({ kind: CONSUMER, parentSpanId: enqueueEmbed.spanId });
    for (const e of embeds) expect(ancestors(e)).toContain(jobEmbed);
    // Every span of the trace hangs off the request span: nothing is orphaned.
    for (const s of spans.filter((x) => x.traceId === request.traceId && x !== request)) expect(ancestors(s)).toContain(request);

    // Database work is spanned coarsely, inside traces only: the upload's transaction, the jobs' statements.
    const dbSpans = spans.filter((s) => s.name.startsWith('db '));
    expect(dbSpans.some((s) => s.name === 'db transaction' && ancestors(s).includes(request))).toBe(true);
    expect(dbSpans.some((s) => ancestors(s).includes(jobEmbed))).toBe(true);
    expect(dbSpans.every((s) => s.parentSpanId !== '')).toBe(true);
  });

  it('marks the span of a failed job failed, with its outcome', async () => {
    const before = receiver.spans.length;
    const tracing = await createTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }, 'p8fs', 'test');
    const other = await createTestApp({}, { tracing });
    try {
      // An id no file has (not even a uuid): the handler throws, and the job is failed, to be retried.
      const jobId = await other.queue.enqueue(other.owner.tenantId, 'file.process', { file_id: 'not-a-file-id' } as never);
      other.pool.start();
      await waitFor(async () => (await other.db.query<{ e: string | null }>('SELECT last_error AS e FROM jobs WHERE id = $1', [jobId]))[0]?.e != null);
    } finally {
      await other.close();
    }
    const runs = receiver.spans.slice(before).filter((s) => s.name === 'job file.process');
    expect(runs.length).toBeGreaterThan(0);
    for (const run of runs) expect(run).toMatchObject({ kind: CONSUMER, status: 2 });
    expect(runs[0]?.attributes).toMatchObject({ 'p8fs.job.outcome': 'retry' });
  });

  it('continues a caller\'s traceparent', async () => {
    const before = receiver.spans.length;
    const tracing = await createTracing({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/v1/traces` }, 'p8fs', 'test');
    const other = await createTestApp({}, { tracing });
    try {
      const http = createHttpApp(other, { actorFor: () => other.owner });
      const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
      const res = await http.request('/api/v1/files/00000000-0000-4000-8000-000000000000', { headers: { traceparent } });
      expect(res.status).toBe(404);
    } finally {
      await other.close();
    }
    const server = receiver.spans.slice(before).find((s) => s.kind === SERVER);
    expect(server).toMatchObject({ traceId: '0af7651916cd43dd8448eb211c80319c', parentSpanId: 'b7ad6b7169203331', name: 'GET /api/v1/files/{id}' });
  });
});
