import {
  type Context, context, defaultTextMapGetter, defaultTextMapSetter, ROOT_CONTEXT, type Span, SpanKind as OtelKind,
  SpanStatusCode, trace, type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, type Sampler, TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ActiveSpan, SpanKind, SpanOptions, TraceCarrier, Tracing } from '../../ports/tracing.js';
import type { SamplerSetting, TracingSettings } from './settings.js';

const KINDS: Record<SpanKind, OtelKind> = {
  internal: OtelKind.INTERNAL, server: OtelKind.SERVER, client: OtelKind.CLIENT, producer: OtelKind.PRODUCER, consumer: OtelKind.CONSUMER,
};
const propagator = new W3CTraceContextPropagator();

// The active span follows async calls through the API's one global context manager. Our tracer
// providers are per app and never registered globally (two apps in one process, tests), but the
// context manager can only be global: it is enabled while any traced app is open.
let contextUsers = 0;
let contextManager: AsyncLocalStorageContextManager | null = null;

function acquireContext(): void {
  if (contextUsers++ > 0) return;
  contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
}

function releaseContext(): void {
  if (--contextUsers > 0) return;
  context.disable();
  contextManager = null;
}

/** Tracing through the OpenTelemetry SDK: one TracerProvider per app, spans batched to OTLP/HTTP as JSON. */
export function createOtelTracing(settings: TracingSettings, version: string): Tracing {
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ ...settings.resourceAttributes, 'service.name': settings.serviceName, 'service.version': version }),
    sampler: samplerOf(settings.sampler),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: settings.url, headers: settings.headers }) })],
  });
  const tracer = provider.getTracer('p8fs', version);
  acquireContext();
  let closed = false;
  return {
    enabled: true,
    span: (name, fn, opts = {}) => runSpan(tracer, name, fn, opts),
    carrier() {
      if (!trace.getSpan(context.active())) return undefined;
      const out: Record<string, string> = {};
      propagator.inject(context.active(), out, defaultTextMapSetter);
      return out.traceparent ? { traceparent: out.traceparent, ...(out.tracestate ? { tracestate: out.tracestate } : {}) } : undefined;
    },
    async close() {
      if (closed) return;
      closed = true;
      try {
        await provider.shutdown(); // flushes the batch first
      } finally {
        releaseContext();
      }
    },
  };
}

async function runSpan<T>(tracer: Tracer, name: string, fn: (span: ActiveSpan) => Promise<T>, opts: SpanOptions): Promise<T> {
  const parent = parentOf(opts.parent);
  if (opts.onlyInTrace && !trace.getSpan(parent)) return fn(NOOP);
  return tracer.startActiveSpan(name, { kind: KINDS[opts.kind ?? 'internal'], attributes: opts.attributes ?? {} }, parent, async (span) => {
    try {
      return await fn(handle(span));
    } catch (err) {
      span.recordException(err instanceof Error ? err : String(err));
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      span.end();
    }
  });
}

/** A carried context (request header, job) when given and valid, else the active one. */
function parentOf(carrier: TraceCarrier | undefined): Context {
  if (!carrier) return context.active();
  const extracted = propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  // A malformed traceparent extracts nothing: the span starts a trace of its own.
  return trace.getSpan(extracted) ? extracted : ROOT_CONTEXT;
}

const NOOP: ActiveSpan = { setAttributes() {}, updateName() {}, fail() {} };

function handle(span: Span): ActiveSpan {
  return {
    setAttributes: (attrs) => void span.setAttributes(attrs),
    updateName: (name) => void span.updateName(name),
    fail: (message) => void span.setStatus({ code: SpanStatusCode.ERROR, message }),
  };
}

function samplerOf(s: SamplerSetting): Sampler {
  switch (s.kind) {
    case 'always_on': return new AlwaysOnSampler();
    case 'always_off': return new AlwaysOffSampler();
    case 'traceidratio': return new TraceIdRatioBasedSampler(s.ratio);
    case 'parentbased_always_on': return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off': return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio': return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(s.ratio) });
  }
}
