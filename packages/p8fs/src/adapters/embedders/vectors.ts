/** Copy numbers into a Float32Array scaled to unit L2 length (a zero vector stays zero). */
export function toUnitVector(values: ArrayLike<number>): Float32Array<ArrayBuffer> {
  const out = Float32Array.from(values);
  normalizeInPlace(out);
  return out;
}

/** Scale a vector to unit L2 length in place; returns it for chaining. */
export function normalizeInPlace<T extends Float32Array>(v: T): T {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += (v[i] ?? 0) ** 2;
  if (sum === 0) return v;
  const inv = 1 / Math.sqrt(sum);
  for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) * inv;
  return v;
}

/** Cosine similarity of two equal-length vectors (the dot product when both are unit length). */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
