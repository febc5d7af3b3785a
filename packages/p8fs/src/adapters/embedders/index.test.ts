import { describe, expect, it } from 'vitest';
import { isAppError } from '../../domain/errors.js';
import { createEmbedder, type EmbedderConfig } from './index.js';

const base: EmbedderConfig = { embeddingProvider: 'hash', embeddingBatchSize: 16, embeddingThreads: 1 };
const fail = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);

describe('createEmbedder', () => {
  it('builds the hash embedder with the configured or default size', async () => {
    expect((await createEmbedder(base)).id).toBe('hash-256');
    const e = await createEmbedder({ ...base, embeddingDimensions: 32 });
    expect([e.id, e.dimension]).toEqual(['hash-32', 32]);
  });

  it('builds use-lite in a worker thread and refuses another size', async () => {
    const e = await createEmbedder({ ...base, embeddingProvider: 'use-lite' });
    try {
      expect([e.id, e.dimension, e.maxBatch]).toEqual(['use-lite', 512, 16]);
    } finally {
      await e.close();
    }
    const err = await fail(createEmbedder({ ...base, embeddingProvider: 'use-lite', embeddingDimensions: 384 }));
    expect(isAppError(err, 'config.invalid')).toBe(true);
  });

  it('names the missing setting for openai and transformers', async () => {
    const openai = await fail(createEmbedder({ ...base, embeddingProvider: 'openai' }));
    expect(isAppError(openai, 'config.invalid') && openai.message).toContain('embeddingModel');
    const tf = await fail(createEmbedder({ ...base, embeddingProvider: 'transformers', embeddingModel: 'org/name' }));
    expect(isAppError(tf, 'config.invalid') && tf.message).toContain('embeddingModelDir');
  });

  it('builds openai without network when the model size is known', async () => {
    const e = await createEmbedder({ ...base, embeddingProvider: 'openai', embeddingModel: 'text-embedding-3-large', embeddingApiKey: 'sk-x' });
    expect([e.id, e.dimension, e.maxBatch]).toEqual(['openai:text-embedding-3-large', 3072, 16]);
  });
});
