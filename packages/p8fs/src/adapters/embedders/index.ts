import type { Config } from '../../config/schema.js';
import { AppError } from '../../domain/errors.js';
import type { Embedder } from '../../ports/embedder.js';
import { HASH_DEFAULT_DIMENSION, HashEmbedder } from './hash.js';
import { OpenAiEmbedder } from './openai.js';
import { TransformersEmbedder } from './transformers.js';
import { USE_LITE_DIMENSION, UseLiteEmbedder } from './use-lite.js';

/** The config keys an embedder is built from. */
export type EmbedderConfig = Pick<
  Config,
  | 'embeddingProvider'
  | 'embeddingModel'
  | 'embeddingDimensions'
  | 'embeddingUrl'
  | 'embeddingApiKey'
  | 'embeddingModelDir'
  | 'embeddingBatchSize'
  | 'embeddingThreads'
>;

export type EmbeddingProvider = EmbedderConfig['embeddingProvider'];

function required(value: string | undefined, key: keyof EmbedderConfig, provider: EmbeddingProvider): string {
  if (!value) throw new AppError('config.invalid', `${key} is required for the ${provider} embedding provider`);
  return value;
}

/** Every provider, by its config name. A Record, so adding a provider to the schema fails to compile until it is listed here. */
export const EMBEDDING_PROVIDERS: Readonly<Record<EmbeddingProvider, (cfg: EmbedderConfig) => Promise<Embedder>>> = {
  'use-lite': async (cfg) => {
    if (cfg.embeddingDimensions !== undefined && cfg.embeddingDimensions !== USE_LITE_DIMENSION)
      throw new AppError('config.invalid', `use-lite always produces ${USE_LITE_DIMENSION}-d vectors; unset embeddingDimensions`);
    return UseLiteEmbedder.create({ threads: cfg.embeddingThreads, batchSize: cfg.embeddingBatchSize });
  },
  openai: async (cfg) =>
    OpenAiEmbedder.create({
      baseUrl: cfg.embeddingUrl,
      apiKey: cfg.embeddingApiKey,
      model: required(cfg.embeddingModel, 'embeddingModel', 'openai'),
      dimensions: cfg.embeddingDimensions,
      batchSize: cfg.embeddingBatchSize,
    }),
  transformers: async (cfg) =>
    TransformersEmbedder.create({
      modelDir: required(cfg.embeddingModelDir, 'embeddingModelDir', 'transformers'),
      model: required(cfg.embeddingModel, 'embeddingModel', 'transformers'),
      dimensions: cfg.embeddingDimensions,
      batchSize: cfg.embeddingBatchSize,
      threads: cfg.embeddingThreads,
    }),
  hash: async (cfg) => new HashEmbedder(cfg.embeddingDimensions ?? HASH_DEFAULT_DIMENSION),
};

/** Build the configured embedder; it is ready to embed when the promise resolves. Call close() when done. */
export async function createEmbedder(cfg: EmbedderConfig): Promise<Embedder> {
  const make = EMBEDDING_PROVIDERS[cfg.embeddingProvider];
  if (!make) throw new AppError('config.invalid', `unknown embedding provider "${String(cfg.embeddingProvider)}"`);
  return make(cfg);
}

export { HashEmbedder } from './hash.js';
export { OpenAiEmbedder } from './openai.js';
export { TransformersEmbedder } from './transformers.js';
export { UseLiteEmbedder } from './use-lite.js';
