import type { SqlRunner } from '../../ports/db.js';

/** An approvals row as stored: a request waiting for a person's decision. */
export interface ApprovalRow {
  user_code: string;
  kind: 'device_code' | 'interaction';
  ref: string;
  client_id: string | null;
  client_name: string | null;
  scope: string | null;
  /** 'api', 'mcp' or both, space-separated (migration 0009); null on rows from before it. */
  audience: string | null;
  redirect_host: string | null;
  status: 'pending' | 'approved' | 'denied';
  tenant_id: string | null;
  device_id: string | null;
  approved_by: string | null;
  expires_at: Date;
  created_at: Date;
  decided_at: Date | null;
}

const COLS = `user_code, kind, ref, client_id, client_name, scope, audience, redirect_host, status, tenant_id, device_id, approved_by, expires_at, created_at, decided_at`;

/**
 * Store a pending approval (the authorization server does, when a device authorization or a browser
 * sign-in starts).
 */
export async function insertApproval(
  db: SqlRunner,
  a: Pick<ApprovalRow, 'user_code' | 'kind' | 'ref' | 'client_id' | 'client_name' | 'scope' | 'expires_at'>,
): Promise<void> {
  await db.query(
    `INSERT INTO approvals (user_code, kind, ref, client_id, client_name, scope, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [a.user_code, a.kind, a.ref, a.client_id, a.client_name, a.scope, a.expires_at],
  );
}

// Approvals are looked up by their user code before any tenant is attached: the code is what the
// person types on a device of their own tenant, and the decision then names the tenant.

/** The approval with this user code, or null. */
export async function getApproval(db: SqlRunner, userCode: string): Promise<ApprovalRow | null> {
  const rows = await db.query<ApprovalRow>(`SELECT ${COLS} FROM approvals WHERE user_code = $1`, [userCode]);
  return rows[0] ?? null;
}

/** The approval, locked for the rest of the transaction so two decisions cannot both apply. */
export async function lockApproval(tx: SqlRunner, userCode: string): Promise<ApprovalRow | null> {
  const rows = await tx.query<ApprovalRow>(`SELECT ${COLS} FROM approvals WHERE user_code = $1 FOR UPDATE`, [userCode]);
  return rows[0] ?? null;
}

/** Record a decision on a pending approval; null when it was no longer pending. */
export async function decideApproval(
  db: SqlRunner,
  userCode: string,
  d: { status: 'approved' | 'denied'; tenant_id: string; device_id: string | null; approved_by: string; decided_at: Date },
): Promise<ApprovalRow | null> {
  const rows = await db.query<ApprovalRow>(
    `UPDATE approvals SET status = $2, tenant_id = $3, device_id = $4, approved_by = $5, decided_at = $6
     WHERE user_code = $1 AND status = 'pending' RETURNING ${COLS}`,
    [userCode, d.status, d.tenant_id, d.device_id, d.approved_by, d.decided_at],
  );
  return rows[0] ?? null;
}

/**
 * Claim a signing nonce of one device until it expires (kept in the tenant's kv store); false when
 * the device already used it and it has not expired.
 */
export async function claimNonce(
  db: SqlRunner,
  tenantId: string,
  deviceId: string,
  nonce: string,
  now: Date,
  expiresAt: Date,
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO kv (tenant_id, key, value, expires_at, updated_at) VALUES ($1, $2, '{}'::jsonb, $4, $3)
     ON CONFLICT (tenant_id, key) DO UPDATE SET expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at
     WHERE kv.expires_at IS NOT NULL AND kv.expires_at <= $3
     RETURNING key`,
    [tenantId, `auth.nonce:${deviceId}:${nonce}`, now, expiresAt],
  );
  return rows.length > 0;
}
