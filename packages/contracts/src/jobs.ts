import { z } from 'zod';

/** Job payloads: every job is typed, idempotent and about one thing. */
export const FileProcessPayload = z.object({ file_id: z.string().uuid() });
export const ResourcesEmbedPayload = z.object({
  file_id: z.string().uuid().nullable(),
  resource_ids: z.array(z.string().uuid()).optional(),
});
export const EmbeddingsBackfillPayload = z.object({ provider_id: z.string() });
/** Move a tenant's blobs onto its active data key (plaintext ones from before encryption at rest, or a retired epoch's). */
export const BlobsEncryptPayload = z.object({
  /** Follow-up passes in a row that could do nothing (busy files): the job stops after 20. */
  idle_passes: z.number().int().min(0).default(0),
});

export const JOB_PAYLOADS = {
  'file.process': FileProcessPayload,
  'resources.embed': ResourcesEmbedPayload,
  'embeddings.backfill': EmbeddingsBackfillPayload,
  'blobs.encrypt': BlobsEncryptPayload,
} as const;
export type JobType = keyof typeof JOB_PAYLOADS;
export type JobPayload<T extends JobType> = z.infer<(typeof JOB_PAYLOADS)[T]>;

/**
 * W3C trace context of whoever enqueued a job (decision 0024), stored beside the payload (key `trace`
 * of the stored JSON) so the worker continues the trace. Optional and never part of a dedupe key or
 * a payload schema: jobs without it (older rows, tracing off) run as before.
 */
export const JobTrace = z.object({
  traceparent: z.string().regex(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/),
  tracestate: z.string().max(512).optional(),
});
export type JobTrace = z.infer<typeof JobTrace>;
