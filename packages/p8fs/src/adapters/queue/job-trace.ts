import { JobTrace } from '@p8fs/contracts';

/**
 * A job's trace context lives in the stored payload JSON under `trace` (decision 0024): no schema
 * change, and the payload schemas never see it (split off at claim). Dedupe keys ignore it.
 */
export function storedPayload(payload: unknown, trace: JobTrace | undefined): unknown {
  return trace ? { ...(payload as object), trace } : payload;
}

/** The payload as enqueued and its trace context, if it carries a valid one. */
export function splitStored(stored: unknown): { payload: unknown; trace?: JobTrace } {
  if (!stored || typeof stored !== 'object' || !('trace' in stored)) return { payload: stored };
  const { trace, ...payload } = stored as Record<string, unknown>;
  const parsed = JobTrace.safeParse(trace);
  return parsed.success ? { payload, trace: parsed.data } : { payload };
}

/** The NATS message headers of a job's trace context (W3C names, as any NATS tracing reads them). */
export function traceHeaders(stored: unknown): Record<string, string> {
  const { trace } = splitStored(stored);
  return trace ? { traceparent: trace.traceparent, ...(trace.tracestate ? { tracestate: trace.tracestate } : {}) } : {};
}
