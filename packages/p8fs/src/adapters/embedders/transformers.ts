import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureExtractionPipeline, Tensor } from '@huggingface/transformers';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Embedder } from '../../ports/embedder.js';
import { splitBatches } from '../../domain/collections.js';

/** Files a local model folder must hold, relative to `<modelDir>/<org>/<name>/`. */
export const TRANSFORMERS_MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

export interface TransformersEmbedderOptions {
  /** Root folder of local models (embeddingModelDir). */
  modelDir: string;
  /** Folder name under modelDir, usually "<org>/<name>" such as "Xenova/all-MiniLM-L6-v2". */
  model: string;
  batchSize: number;
  /** ONNX Runtime intra-op threads. */
  threads: number;
  /** Expected vector size; when set, a model that disagrees is refused at start. */
  dimensions?: number;
}

const MODEL_NAME = /^[A-Za-z0-9][\w.-]*(\/[A-Za-z0-9][\w.-]*)?$/;
const LAYOUT = `<dir>/<org>/<name>/{${TRANSFORMERS_MODEL_FILES.join(',')}}`;

// transformers.js keeps its settings in one global `env`; loads are chained so two embedders with
// different model folders cannot interleave their settings.
let envLock: Promise<unknown> = Promise.resolve();

async function missingFiles(folder: string): Promise<string[]> {
  const missing: string[] = [];
  for (const file of TRANSFORMERS_MODEL_FILES) {
    await access(join(folder, file)).catch(() => missing.push(file));
  }
  return missing;
}

async function loadPipeline(opts: TransformersEmbedderOptions): Promise<FeatureExtractionPipeline> {
  // Imported here, not at the top: the package and ONNX Runtime take ~100 MB and most setups never use them.
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = opts.modelDir;
  return pipeline('feature-extraction', opts.model, {
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: opts.threads, interOpNumThreads: 1 },
  });
}

/**
 * Embeddings from a user-supplied local ONNX sentence model (MiniLM, bge, ...) through the
 * transformers.js feature-extraction pipeline: mean pooling, then L2 normalisation. Nothing is
 * downloaded; the size is read from the model's first output.
 */
export class TransformersEmbedder implements Embedder {
  private constructor(
    private readonly extractor: FeatureExtractionPipeline,
    readonly id: string,
    readonly dimension: number,
    readonly maxBatch: number,
  ) {}

  /** Check the model folder, load the pipeline and measure the vector size with one probe text. */
  static async create(opts: TransformersEmbedderOptions): Promise<TransformersEmbedder> {
    if (!MODEL_NAME.test(opts.model) || opts.model.split('/').includes('..'))
      throw new AppError('config.invalid', `embeddingModel "${opts.model}" is not a model folder name like "Xenova/all-MiniLM-L6-v2"`);
    const folder = join(opts.modelDir, opts.model);
    const missing = await missingFiles(folder);
    if (missing.length > 0)
      throw new AppError(
        'embedder.unavailable',
        `transformers model "${opts.model}" is not in ${opts.modelDir}: missing ${missing.map((f) => join(folder, f)).join(', ')}. Expected layout: ${LAYOUT}`,
        { folder, missing },
      );
    const load = envLock.then(() => loadPipeline(opts));
    envLock = load.catch(() => undefined);
    let extractor: FeatureExtractionPipeline;
    try {
      extractor = await load;
    } catch (err) {
      throw new AppError('embedder.unavailable', `transformers model "${opts.model}" failed to load from ${folder}: ${errorMessage(err)}`);
    }
    const id = `transformers:${opts.model}`;
    try {
      const dimension = await probeDimension(extractor, id, opts.dimensions);
      return new TransformersEmbedder(extractor, id, dimension, opts.batchSize);
    } catch (err) {
      await extractor.dispose();
      throw err;
    }
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of splitBatches(texts, this.maxBatch)) {
      for (const v of await extract(this.extractor, this.id, batch)) {
        if (v.length !== this.dimension)
          throw new AppError('embedder.dimension_mismatch', `${this.id} returned ${v.length}-d vectors, expected ${this.dimension}`, {
            expected: this.dimension,
            actual: v.length,
          });
        out.push(v);
      }
    }
    return out;
  }

  async close(): Promise<void> {
    await this.extractor.dispose();
  }
}

/** The model's vector size, read from the output for one text; checked against `expected` if set. */
async function probeDimension(extractor: FeatureExtractionPipeline, id: string, expected?: number): Promise<number> {
  const [probe] = await extract(extractor, id, ['dimension probe']);
  const dimension = probe?.length ?? 0;
  if (expected !== undefined && expected !== dimension)
    throw new AppError('embedder.dimension_mismatch', `${id} produces ${dimension}-d vectors but embeddingDimensions is ${expected}`, {
      expected,
      actual: dimension,
    });
  return dimension;
}

/** Mean-pooled, normalised vectors of one batch, each row copied into its own buffer. */
async function extract(extractor: FeatureExtractionPipeline, id: string, batch: string[]): Promise<Float32Array[]> {
  let tensor: Tensor;
  try {
    tensor = await extractor(batch, { pooling: 'mean', normalize: true });
  } catch (err) {
    throw new AppError('embedder.unavailable', `${id}: inference failed: ${errorMessage(err)}`);
  }
  const [rows, dim] = tensor.dims;
  const data = tensor.data;
  if (rows !== batch.length || dim === undefined || !(data instanceof Float32Array))
    throw new AppError('embedder.unavailable', `${id}: unexpected output of shape [${tensor.dims.join(', ')}] for ${batch.length} texts`);
  // Own buffers per row, so callers may keep or transfer one vector without detaching the others.
  return Array.from({ length: rows }, (_, i) => data.slice(i * dim, (i + 1) * dim));
}
