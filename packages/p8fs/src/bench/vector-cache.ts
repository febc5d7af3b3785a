import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { sha256 } from '../domain/ids.js';
import type { Embedder } from '../ports/embedder.js';

/**
 * An Embedder that remembers vectors in a file keyed by model id + text hash, so repeated
 * benchmark runs skip the slow model. Bench-only: never used when measuring embed throughput.
 * Format: one line per vector, `<key> <base64 float32 bytes>`, appended as vectors arrive.
 */
export class CachedEmbedder implements Embedder {
  readonly id: string;
  readonly dimension: number;
  readonly maxBatch: number;
  private readonly vectors = new Map<string, Float32Array>();
  hits = 0;
  misses = 0;

  constructor(
    private readonly inner: Embedder,
    private readonly file: string,
  ) {
    this.id = inner.id;
    this.dimension = inner.dimension;
    this.maxBatch = inner.maxBatch;
    if (existsSync(file)) this.load();
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    const keys = texts.map((t) => this.key(t));
    const missing = [...new Set(keys.filter((k, i) => !this.vectors.has(k) && keys.indexOf(k) === i))];
    this.hits += texts.length - missing.length;
    this.misses += missing.length;
    if (missing.length) {
      const byKey = new Map(keys.map((k, i) => [k, texts[i] as string]));
      const fresh = await this.inner.embed(missing.map((k) => byKey.get(k) as string));
      this.store(missing, fresh);
    }
    return keys.map((k) => this.vectors.get(k) as Float32Array);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  private key(text: string): string {
    return sha256(`${this.inner.id}\u0000${text}`);
  }

  private store(keys: string[], vectors: Float32Array[]): void {
    let out = '';
    keys.forEach((k, i) => {
      const v = vectors[i] as Float32Array;
      this.vectors.set(k, v);
      out += `${k} ${Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64')}\n`;
    });
    mkdirSync(dirname(this.file), { recursive: true });
    appendFileSync(this.file, out);
  }

  private load(): void {
    for (const line of readFileSync(this.file, 'utf8').split('\n')) {
      const [k, b64] = line.split(' ');
      if (!k || !b64) continue;
      const buf = Buffer.from(b64, 'base64');
      const v = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
      if (v.length === this.dimension) this.vectors.set(k, v);
    }
  }
}
