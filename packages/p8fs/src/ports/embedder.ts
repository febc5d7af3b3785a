/** An embedding model. Vectors are unit-normalised so cosine distance is meaningful. */
export interface Embedder {
  /** Stable provider id recorded with each vector, e.g. "use-lite" or "openai:text-embedding-3-small". */
  readonly id: string;
  readonly dimension: number;
  /** Largest batch the provider takes in one call. */
  readonly maxBatch: number;
  /** Embed texts in order; the result has one vector of `dimension` numbers per text. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}
