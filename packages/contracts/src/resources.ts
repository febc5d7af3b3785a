import { z } from 'zod';

export const ResourceDto = z.object({
  id: z.string().uuid(),
  file_id: z.string().uuid().nullable(),
  name: z.string(),
  category: z.string(),
  content: z.string(),
  summary: z.string().nullable(),
  ordinal: z.number().int(),
  uri: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  resource_timestamp: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ResourceDto = z.infer<typeof ResourceDto>;
