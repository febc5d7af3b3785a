/**
 * Distributed traces (decision 0024). Services, the worker pool and the transports open spans through
 * this port; only adapters/tracing knows OpenTelemetry, and its SDK is loaded only when the OTEL_*
 * variables turn tracing on. Attribute values come from bounded sets (route templates, job types,
 * parser ids) or are ids; never file names, text or tenant data.
 */
export interface Tracing {
  /** False for NO_TRACING: callers may skip building attributes. */
  readonly enabled: boolean;
  /**
   * Run fn inside a span: a child of the active span, or of `parent` when given (a request's
   * traceparent, a job's trace). A throw marks the span failed and is rethrown.
   */
  span<T>(name: string, fn: (span: ActiveSpan) => Promise<T>, opts?: SpanOptions): Promise<T>;
  /** The active span's W3C context, for a job or a message to carry; undefined when none is active. */
  carrier(): TraceCarrier | undefined;
  /** Export what has ended and stop; later spans are dropped. */
  close(): Promise<void>;
}

/** W3C trace context as headers carry it (and jobs, as JobTrace). */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

export type SpanKind = 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type SpanAttributes = Record<string, string | number | boolean>;

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: SpanAttributes;
  /** Continue this context instead of the active one (the start of a request or a job). */
  parent?: TraceCarrier | undefined;
  /**
   * Only when a span is already active (DB statements): work outside any trace (pollers, janitors)
   * must not start traces of its own.
   */
  onlyInTrace?: boolean;
}

/** The span fn runs in: it may be renamed once the name is known (an HTTP route after routing). */
export interface ActiveSpan {
  setAttributes(attrs: SpanAttributes): void;
  updateName(name: string): void;
  /** Mark the span failed without a throw (an HTTP 5xx answered by the error handler). */
  fail(message: string): void;
}

const NOOP_SPAN: ActiveSpan = { setAttributes() {}, updateName() {}, fail() {} };

/** Traces nothing and loads nothing: the default where OTEL_* leave tracing off. */
export const NO_TRACING: Tracing = {
  enabled: false,
  span: (_name, fn) => fn(NOOP_SPAN),
  carrier: () => undefined,
  close: async () => {},
};
