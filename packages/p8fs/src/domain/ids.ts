import { createHash, randomUUID } from 'node:crypto';

// A fixed namespace for P8FS name-based ids (RFC 4122 v5 over SHA-1).
const NAMESPACE = Buffer.from('6f1c2a4e9b3d4c8e8a7f0b1d2c3e4f50', 'hex');

/** Deterministic UUID v5 from name parts: the same inputs always give the same id. */
export function uuid5(...parts: string[]): string {
  const h = createHash('sha1').update(NAMESPACE).update(parts.join('\u001f')).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** Random UUID v4 (jobs, sessions). */
export const newId = (): string => randomUUID();

/** id of a file: its tenant and logical uri. */
export const fileId = (tenantId: string, uri: string): string => uuid5(tenantId, 'file', uri);

/** id of the n-th chunk resource of a file. */
/** A device id derived from its tenant and a stable name (the owner's own device). */
export const deviceId = (tenantId: string, name: string): string => uuid5(tenantId, 'device', name);

export const chunkId = (fileId: string, ordinal: number): string => uuid5(fileId, 'chunk', String(ordinal));

/** sha256 hex of a string or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
