import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Embedder } from '../../ports/embedder.js';
import { DEFAULT_RETRY_POLICY, fetchWithRetry, RequestFailedError, type RetryPolicy } from './http-retry.js';
import { splitBatches } from '../../domain/collections.js';
import { toUnitVector } from './vectors.js';

export const OPENAI_DEFAULT_URL = 'https://api.openai.com/v1';

/** OpenAI's embedding models: native size, and whether the `dimensions` parameter can shorten it. */
export const KNOWN_OPENAI_MODELS: Readonly<Record<string, { dimension: number; shortens: boolean }>> = {
  'text-embedding-3-small': { dimension: 1536, shortens: true },
  'text-embedding-3-large': { dimension: 3072, shortens: true },
  'text-embedding-ada-002': { dimension: 1536, shortens: false },
};

export interface OpenAiEmbedderOptions {
  /** Base URL up to and including the version segment; default https://api.openai.com/v1. */
  baseUrl?: string;
  /** Sent as a Bearer token when set; local servers (Ollama, vLLM, TEI) usually need none. */
  apiKey?: string;
  model: string;
  /** Vector size wanted. Unset: the model's known size, else one probe request finds it. */
  dimensions?: number;
  /** Texts per request. */
  batchSize: number;
  retry?: Partial<RetryPolicy>;
}

const EmbeddingsResponse = z.object({
  data: z.array(z.object({ index: z.number().int().nonnegative(), embedding: z.array(z.number()) })),
});

/**
 * The provider id recorded with each vector. It must change whenever vectors could be incompatible:
 * a different model, a shortened size, or a different server. The host is part of it for anything
 * but api.openai.com because the same model name on two servers (Ollama's quantised GGUF vs TEI's
 * fp16) gives different vectors; moving a server therefore means re-embedding, the safe failure.
 */
export function openAiEmbedderId(baseUrl: string, model: string, shortenedTo?: number): string {
  const host = new URL(baseUrl).host;
  const where = host === 'api.openai.com' ? '' : `${host}/`;
  return `openai:${where}${model}${shortenedTo === undefined ? '' : `@${shortenedTo}`}`;
}

/** Which size to expect and whether to ask for it; `dimension` undefined means "probe". */
function planDimensions(model: string, configured?: number): { dimension?: number; send?: number } {
  const known = Object.hasOwn(KNOWN_OPENAI_MODELS, model) ? KNOWN_OPENAI_MODELS[model] : undefined;
  if (!known) return { dimension: configured };
  if (configured === undefined || configured === known.dimension) return { dimension: known.dimension };
  if (known.shortens) return { dimension: configured, send: configured };
  throw new AppError('config.invalid', `${model} always returns ${known.dimension}-d vectors; set embeddingDimensions to ${known.dimension} or unset it`);
}

/** A readable message out of an error body: OpenAI's {error:{message}}, {error}, {message}, or text. */
function apiMessage(body: string): string {
  try {
    const j: unknown = JSON.parse(body);
    if (j && typeof j === 'object') {
      const { error, message, detail } = j as Record<string, unknown>;
      const nested = error && typeof error === 'object' ? (error as Record<string, unknown>).message : error;
      for (const m of [nested, message, detail]) if (typeof m === 'string' && m) return m;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 300) || '(empty body)';
}

function statusHint(status: number): string {
  if (status === 401 || status === 403) return ' (check embeddingApiKey)';
  if (status === 404) return ' (check embeddingUrl and embeddingModel)';
  return '';
}

interface Settings {
  endpoint: string;
  headers: Record<string, string>;
  model: string;
  send?: number;
  policy: RetryPolicy;
}

/**
 * Embeddings from any OpenAI-compatible `/embeddings` endpoint: OpenAI, Ollama, vLLM, TEI.
 * Batches are sent one after another: the caller's job concurrency already bounds the load, and
 * sequential requests keep rate limits predictable.
 */
export class OpenAiEmbedder implements Embedder {
  private constructor(
    private readonly s: Settings,
    readonly id: string,
    readonly dimension: number,
    readonly maxBatch: number,
  ) {}

  /** Build the embedder; probes the server once only when the vector size is not otherwise known. */
  static async create(opts: OpenAiEmbedderOptions): Promise<OpenAiEmbedder> {
    const baseUrl = (opts.baseUrl ?? OPENAI_DEFAULT_URL).replace(/\/+$/, '');
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
    const plan = planDimensions(opts.model, opts.dimensions);
    const s: Settings = {
      endpoint: `${baseUrl}/embeddings`,
      headers,
      model: opts.model,
      send: plan.send,
      policy: { ...DEFAULT_RETRY_POLICY, ...opts.retry },
    };
    const dimension = plan.dimension ?? (await OpenAiEmbedder.probe(s));
    return new OpenAiEmbedder(s, openAiEmbedderId(baseUrl, opts.model, plan.send), dimension, opts.batchSize);
  }

  private static async probe(s: Settings): Promise<number> {
    const [vector] = await requestEmbeddings(s, ['dimension probe']);
    if (!vector || vector.length === 0)
      throw new AppError('embedder.unavailable', `embedding API at ${s.endpoint} returned an empty vector for ${s.model}`);
    return vector.length;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (const batch of splitBatches(texts, this.maxBatch)) {
      for (const v of await requestEmbeddings(this.s, batch)) {
        if (v.length !== this.dimension)
          throw new AppError(
            'embedder.dimension_mismatch',
            `${this.id} returned ${v.length}-d vectors, expected ${this.dimension}; fix embeddingDimensions (or unset it) and re-embed`,
            { expected: this.dimension, actual: v.length },
          );
        out.push(v);
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}

/** One POST /embeddings for a batch; vectors come back unit-normalised and in input order. */
async function requestEmbeddings(s: Settings, texts: readonly string[]): Promise<Float32Array[]> {
  // OpenAI rejects "" as input; a space embeds "nothing" without failing the whole batch.
  const input = texts.map((t) => (t === '' ? ' ' : t));
  const body = JSON.stringify({ model: s.model, input, ...(s.send === undefined ? {} : { dimensions: s.send }) });
  let res: Awaited<ReturnType<typeof fetchWithRetry>>;
  try {
    res = await fetchWithRetry(s.endpoint, { method: 'POST', headers: s.headers, body }, s.policy);
  } catch (err) {
    const why = err instanceof RequestFailedError ? err.message : String(err);
    throw new AppError('embedder.unavailable', `embedding API at ${s.endpoint} unreachable: ${why}`);
  }
  if (!res.ok) {
    const after = res.attempts > 1 ? ` after ${res.attempts} attempts` : '';
    throw new AppError(
      'embedder.unavailable',
      `embedding API at ${s.endpoint} answered ${res.status}${after}: ${apiMessage(res.body)}${statusHint(res.status)}`,
      { status: res.status, retryAfterMs: res.retryAfterMs },
    );
  }
  return parseVectors(s, res.body, texts.length);
}

function parseVectors(s: Settings, body: string, expected: number): Float32Array[] {
  let data: z.infer<typeof EmbeddingsResponse>['data'];
  try {
    data = EmbeddingsResponse.parse(JSON.parse(body)).data;
  } catch {
    throw new AppError('embedder.unavailable', `embedding API at ${s.endpoint} returned a body that is not an embeddings response: ${body.slice(0, 200)}`);
  }
  // Array.from, not new Array(n): .some() below skips holes, which would hide a missing index.
  const ordered = Array.from({ length: expected }, (): Float32Array | undefined => undefined);
  for (const item of data) if (item.index < expected) ordered[item.index] = toUnitVector(item.embedding);
  if (data.length !== expected || ordered.some((v) => v === undefined))
    throw new AppError('embedder.unavailable', `embedding API at ${s.endpoint} returned ${data.length} vectors for ${expected} inputs`);
  return ordered as Float32Array[];
}
