/**
 * Seals and opens whole blobs on a device for an end-to-end vault, in the at-rest STREAM format
 * (decision 0017) with the blob's own random key, and the blob id in the header's key-id slot.
 * Implemented by adapters/blob/encryption/device-cipher.ts.
 */
export interface SealedBlobCipher {
  /** The sealed stream of a plaintext stream. */
  seal(plain: AsyncIterable<Uint8Array>, key: Uint8Array, id: string): AsyncIterable<Uint8Array>;
  /** The plaintext of a sealed stream of plainSize bytes; blob.corrupt when the bytes, id or key differ, or it is cut short. */
  open(sealed: AsyncIterable<Uint8Array>, key: Uint8Array, id: string, plainSize: number): AsyncIterable<Uint8Array>;
  /** Bytes a blob of plainSize bytes takes sealed. */
  sealedSize(plainSize: number): number;
  /** Plaintext bytes of a sealed blob of sealedSize bytes. */
  plainSize(sealedSize: number): number;
}
