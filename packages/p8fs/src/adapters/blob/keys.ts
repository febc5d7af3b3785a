import { AppError } from '../../domain/errors.js';

/** The key layout every blob store shares, so a vault can move between them unchanged. */
const BLOB_KEY = /^tenants\/([a-z0-9][a-z0-9_-]{0,62})\/blobs\/([0-9a-f]{2})\/([0-9a-f]{64})$/;
const TENANT = /^[a-z0-9][a-z0-9_-]{0,62}$/;
export const INCOMING_PREFIX = 'incoming/';

/** Content-addressed key of a blob: tenant prefix, then a two-hex fan-out directory. */
export function blobKey(tenantId: string, sha256: string): string {
  return `tenants/${tenantId}/blobs/${sha256.slice(0, 2)}/${sha256}`;
}

/** Refuse keys of other tenants and anything that is not a blob key (forbidden, as on every store). */
export function assertBlobKey(tenantId: string, key: string): void {
  const m = BLOB_KEY.exec(key);
  if (!m || m[1] !== tenantId || m[2] !== m[3]?.slice(0, 2)) throw new AppError('forbidden', 'blob key does not belong to this tenant');
}

/** Check a path inside a tenant's incoming area: relative, no empty, `.` or `..` segments, no control characters. */
export function checkIncomingPath(path: string): string {
  const segs = path.split('/');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  const bad = path.length === 0 || path.length > 900 || /[\u0000-\u001f\u007f\\]/.test(path) || segs.some((s) => s === '' || s === '.' || s === '..');
  if (bad) throw new AppError('validation_failed', `not a valid incoming path: ${JSON.stringify(path)}`);
  return path;
}

export function incomingKey(tenantId: string, path: string): string {
  if (!TENANT.test(tenantId)) throw new AppError('validation_failed', `not a valid tenant id: ${tenantId}`);
  return `${INCOMING_PREFIX}${tenantId}/${checkIncomingPath(path)}`;
}

/** Split `incoming/<tenant>/<path>`; null for folder markers and keys outside the layout. */
export function parseIncomingKey(key: string): { tenantId: string; path: string } | null {
  if (!key.startsWith(INCOMING_PREFIX) || key.endsWith('/')) return null;
  const rest = key.slice(INCOMING_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  return { tenantId: rest.slice(0, slash), path: rest.slice(slash + 1) };
}

export function isTenantId(s: string): boolean {
  return TENANT.test(s);
}
