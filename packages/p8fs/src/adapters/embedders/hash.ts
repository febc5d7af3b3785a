import type { Embedder } from '../../ports/embedder.js';
import { normalizeInPlace } from './vectors.js';

/** Default width of the hashing embedder. */
export const HASH_DEFAULT_DIMENSION = 256;

const WORD = /[\p{L}\p{N}]+/gu;
// Whole words carry more signal than any single trigram; trigrams add tolerance for inflections and typos.
const WORD_WEIGHT = 2;
const TRIGRAM_WEIGHT = 1;

/** 32-bit FNV-1a over the UTF-16 code units of s. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A deterministic feature-hashing embedder: lowercased word unigrams and character trigrams are
 * hashed (FNV-1a) into signed buckets, then L2-normalised. It is lexical, not semantic: texts that
 * share words or spellings come out close, synonyms do not ("Lisbon" is not near "Portugal"). It
 * needs no model, so tests and low-resource setups use it.
 */
export class HashEmbedder implements Embedder {
  readonly id: string;
  readonly maxBatch = 1024;

  constructor(readonly dimension: number = HASH_DEFAULT_DIMENSION) {
    if (!Number.isInteger(dimension) || dimension < 1) throw new RangeError(`hash embedder dimension must be a positive integer, got ${dimension}`);
    this.id = `hash-${dimension}`;
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  async close(): Promise<void> {}

  /** The vector of one text, synchronously. */
  embedOne(text: string): Float32Array {
    const v = new Float32Array(this.dimension);
    const words = text.toLowerCase().match(WORD) ?? [];
    for (const word of words) {
      this.add(v, `w:${word}`, WORD_WEIGHT);
      const padded = ` ${word} `;
      for (let i = 0; i + 3 <= padded.length; i++) this.add(v, `t:${padded.slice(i, i + 3)}`, TRIGRAM_WEIGHT);
    }
    // Text without words still needs a unit vector; all such texts share one.
    if (words.length === 0) this.add(v, 'empty', 1);
    return normalizeInPlace(v);
  }

  private add(v: Float32Array, feature: string, weight: number): void {
    const h = fnv1a(feature);
    // The top bit picks the sign so colliding features tend to cancel rather than pile up.
    const sign = h >>> 31 === 1 ? -1 : 1;
    const i = h % this.dimension;
    v[i] = (v[i] ?? 0) + sign * weight;
  }
}
