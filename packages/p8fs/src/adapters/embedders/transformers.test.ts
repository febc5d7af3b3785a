import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppError, isAppError } from '../../domain/errors.js';
import { writeTinyBert } from './tiny-bert.fixture.js';
import { TransformersEmbedder } from './transformers.js';
import { cosine } from './vectors.js';

// A real transformers.js + ONNX Runtime run on a tiny generated BERT-style model (see
// tiny-bert.fixture.ts): it has the real file layout, tokenizer and output name, but random weights,
// so it tests the plumbing (pooling, normalisation, batching, sizes), not semantic quality.
const WORDS = 'when is my trip to portugal flight booking lisbon quarterly tax report'.split(' ');

describe('TransformersEmbedder', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'p8fs-transformers-'));
    await writeTinyBert(dir, 'test/tiny-bert', WORDS, 16);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const create = (over: Partial<Parameters<typeof TransformersEmbedder.create>[0]> = {}) =>
    TransformersEmbedder.create({ modelDir: dir, model: 'test/tiny-bert', batchSize: 2, threads: 1, ...over });

  it('embeds with the size of the first output, unit length, in order, across batches', async () => {
    const e = await create();
    try {
      expect(e.id).toBe('transformers:test/tiny-bert');
      expect(e.dimension).toBe(16);
      const texts = ['When is my trip to Portugal?', 'Flight booking to Lisbon', 'Quarterly tax report', ''];
      const vectors = await e.embed(texts);
      expect(vectors).toHaveLength(4);
      for (const v of vectors) {
        expect(v.length).toBe(16);
        expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      }
      // Batched (padded) and alone must agree: pooling honours the attention mask.
      const [alone] = await e.embed([texts[2]!]);
      expect(cosine(alone!, vectors[2]!)).toBeCloseTo(1, 5);
      const [same] = await e.embed(['trip to portugal']);
      const [near] = await e.embed(['my trip to portugal']);
      const [far] = await e.embed(['quarterly tax report']);
      expect(cosine(same!, near!)).toBeGreaterThan(cosine(same!, far!));
    } finally {
      await e.close();
    }
  });

  it('refuses a model whose size disagrees with embeddingDimensions', async () => {
    const err = await create({ dimensions: 384 }).catch((e: unknown) => e);
    expect(isAppError(err, 'embedder.dimension_mismatch')).toBe(true);
  });

  it('names the expected layout when the model folder is missing', async () => {
    const err = await create({ model: 'Xenova/all-MiniLM-L6-v2' }).catch((e: unknown) => e);
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect((err as Error).message).toContain('<dir>/<org>/<name>/{config.json,tokenizer.json,tokenizer_config.json,onnx/model.onnx}');
    expect((err as Error).message).toContain(join(dir, 'Xenova/all-MiniLM-L6-v2', 'onnx/model.onnx'));
  });

  it('lists exactly the missing file when only the weights are absent', async () => {
    await writeTinyBert(dir, 'test/no-weights', WORDS);
    await unlink(join(dir, 'test/no-weights/onnx/model.onnx'));
    const err = await create({ model: 'test/no-weights' }).catch((e: unknown) => e);
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect((err as AppError).details).toMatchObject({ missing: ['onnx/model.onnx'] });
  });

  it('reports a corrupt model file as unavailable', async () => {
    await writeTinyBert(dir, 'test/corrupt', WORDS);
    await writeFile(join(dir, 'test/corrupt/onnx/model.onnx'), 'this is not an onnx model');
    const err = await create({ model: 'test/corrupt' }).catch((e: unknown) => e);
    expect(isAppError(err, 'embedder.unavailable')).toBe(true);
    expect((err as Error).message).toContain('failed to load');
  });

  it('rejects model names that would leave the model folder', async () => {
    const err = await create({ model: '../etc' }).catch((e: unknown) => e);
    expect(isAppError(err, 'config.invalid')).toBe(true);
  });
});
