import { z } from 'zod';

export const VaultStatus = z.object({
  version: z.string(),
  tenant_id: z.string(),
  data_dir: z.string().nullable(),
  files: z.record(z.string(), z.number().int()),
  resources: z.number().int(),
  embeddings: z.number().int(),
  jobs: z.record(z.string(), z.number().int()),
  embedder: z.object({ id: z.string(), dimension: z.number().int(), pending: z.number().int() }),
});
export type VaultStatus = z.infer<typeof VaultStatus>;
