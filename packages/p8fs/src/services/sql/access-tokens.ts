import type { AccessTokenScope, TokenAudience } from '@p8fs/contracts';
import type { SqlRunner } from '../../ports/db.js';

/** An access_tokens row as read, with whether the device that created it is still active. */
export interface AccessTokenRow {
  id: string;
  tenant_id: string;
  name: string;
  audience: TokenAudience;
  scopes: AccessTokenScope[];
  device_id: string | null;
  created_at: Date;
  expires_at: Date | null;
  last_used_at: Date | null;
  /** false when the creating device was revoked (the token is dead); true without a device. */
  device_active: boolean;
}

export interface NewAccessToken {
  id: string;
  tenant_id: string;
  token_hash: string;
  name: string;
  audience: TokenAudience;
  scopes: AccessTokenScope[];
  device_id: string | null;
  created_at: Date;
  expires_at: Date | null;
}

const COLS = `t.id, t.tenant_id, t.name, t.audience, t.scopes, t.device_id, t.created_at, t.expires_at, t.last_used_at,
  (t.device_id IS NULL OR EXISTS (SELECT 1 FROM devices d WHERE d.tenant_id = t.tenant_id AND d.id = t.device_id AND d.status = 'active')) AS device_active`;

/** Store a new token (its hash only). */
export async function insertAccessToken(db: SqlRunner, t: NewAccessToken): Promise<AccessTokenRow> {
  await db.query(
    `INSERT INTO access_tokens (id, tenant_id, token_hash, name, audience, scopes, device_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [t.id, t.tenant_id, t.token_hash, t.name, t.audience, t.scopes, t.device_id, t.created_at, t.expires_at],
  );
  return (await getAccessToken(db, t.tenant_id, t.id)) as AccessTokenRow;
}

/** How many tokens a tenant holds (live or not): creation is capped per tenant. */
export async function countAccessTokens(db: SqlRunner, tenantId: string): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM access_tokens WHERE tenant_id = $1`, [tenantId]);
  return rows[0]?.n ?? 0;
}

/** A tenant's tokens, newest first. */
export function listAccessTokens(db: SqlRunner, tenantId: string): Promise<AccessTokenRow[]> {
  return db.query<AccessTokenRow>(`SELECT ${COLS} FROM access_tokens t WHERE t.tenant_id = $1 ORDER BY t.created_at DESC, t.id`, [tenantId]);
}

/** One token of this tenant, or null. */
export async function getAccessToken(db: SqlRunner, tenantId: string, id: string): Promise<AccessTokenRow | null> {
  const rows = await db.query<AccessTokenRow>(`SELECT ${COLS} FROM access_tokens t WHERE t.tenant_id = $1 AND t.id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

/** The token with this hash, of any tenant (the hash is the bearer's proof), or null. */
export async function findAccessTokenByHash(db: SqlRunner, tokenHash: string): Promise<AccessTokenRow | null> {
  const rows = await db.query<AccessTokenRow>(`SELECT ${COLS} FROM access_tokens t WHERE t.token_hash = $1`, [tokenHash]);
  return rows[0] ?? null;
}

/** Delete a token of this tenant; the deleted row, or null when the tenant has no such token. */
export async function deleteAccessToken(db: SqlRunner, tenantId: string, id: string): Promise<AccessTokenRow | null> {
  const row = await getAccessToken(db, tenantId, id);
  if (!row) return null;
  const gone = await db.query(`DELETE FROM access_tokens WHERE tenant_id = $1 AND id = $2 RETURNING id`, [tenantId, id]);
  return gone.length > 0 ? row : null;
}

/** Record a use, unless one was recorded in the last minute (the guard also settles races between processes). */
export async function touchAccessToken(db: SqlRunner, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE access_tokens SET last_used_at = $2
     WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute')`,
    [id, at],
  );
}
