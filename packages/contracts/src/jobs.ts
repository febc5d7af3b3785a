import { z } from 'zod';

/** Job payloads: every job is typed, idempotent and about one thing. */
export const FileProcessPayload = z.object({ file_id: z.string().uuid() });
export const ResourcesEmbedPayload = z.object({
  file_id: z.string().uuid().nullable(),
  resource_ids: z.array(z.string().uuid()).optional(),
});
export const EmbeddingsBackfillPayload = z.object({ provider_id: z.string() });

export const JOB_PAYLOADS = {
  'file.process': FileProcessPayload,
  'resources.embed': ResourcesEmbedPayload,
  'embeddings.backfill': EmbeddingsBackfillPayload,
} as const;
export type JobType = keyof typeof JOB_PAYLOADS;
export type JobPayload<T extends JobType> = z.infer<(typeof JOB_PAYLOADS)[T]>;
