import type { DeviceKind } from '@p8fs/contracts';
import type { SqlRunner } from '../../ports/db.js';

/** A devices row as stored. */
export interface DeviceRow {
  id: string;
  tenant_id: string;
  name: string;
  kind: DeviceKind;
  public_key: string | null;
  status: 'active' | 'revoked';
  approved_by: string | null;
  oauth_client_id: string | null;
  metadata: Record<string, unknown>;
  created_at: Date;
  last_seen_at: Date | null;
  revoked_at: Date | null;
}

const COLS = `id, tenant_id, name, kind, public_key, status, approved_by, oauth_client_id, metadata, created_at, last_seen_at, revoked_at`;

/** Insert a new active device. */
export async function insertDevice(
  db: SqlRunner,
  d: Pick<DeviceRow, 'id' | 'tenant_id' | 'name' | 'kind' | 'public_key' | 'approved_by' | 'oauth_client_id' | 'created_at'>,
): Promise<DeviceRow> {
  const rows = await db.query<DeviceRow>(
    `INSERT INTO devices (id, tenant_id, name, kind, public_key, approved_by, oauth_client_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLS}`,
    [d.id, d.tenant_id, d.name, d.kind, d.public_key, d.approved_by, d.oauth_client_id, d.created_at],
  );
  return rows[0]!;
}

/** A tenant's devices, oldest first (the first is usually the phone that registered). */
export function listDevices(db: SqlRunner, tenantId: string): Promise<DeviceRow[]> {
  return db.query<DeviceRow>(`SELECT ${COLS} FROM devices WHERE tenant_id = $1 ORDER BY created_at, id`, [tenantId]);
}

/** One device of this tenant, or null. */
export async function getDevice(db: SqlRunner, tenantId: string, id: string): Promise<DeviceRow | null> {
  const rows = await db.query<DeviceRow>(`SELECT ${COLS} FROM devices WHERE tenant_id = $1 AND id = $2`, [tenantId, id]);
  return rows[0] ?? null;
}

/** Whether any device (of any tenant) holds this public key: keys are unique across the server. */
export async function publicKeyInUse(db: SqlRunner, publicKey: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM devices WHERE public_key = $1`, [publicKey]);
  return rows.length > 0;
}

/** Rename a device of this tenant; null when it has no such device. */
export async function renameDevice(db: SqlRunner, tenantId: string, id: string, name: string): Promise<DeviceRow | null> {
  const rows = await db.query<DeviceRow>(
    `UPDATE devices SET name = $3 WHERE tenant_id = $1 AND id = $2 RETURNING ${COLS}`,
    [tenantId, id, name],
  );
  return rows[0] ?? null;
}

/** Mark a device revoked (the first revocation time stays); null when the tenant has no such device. */
export async function revokeDevice(db: SqlRunner, tenantId: string, id: string, at: Date): Promise<DeviceRow | null> {
  const rows = await db.query<DeviceRow>(
    `UPDATE devices SET status = 'revoked', revoked_at = COALESCE(revoked_at, $3)
     WHERE tenant_id = $1 AND id = $2 RETURNING ${COLS}`,
    [tenantId, id, at],
  );
  return rows[0] ?? null;
}

/** Whether the device exists in this tenant and is active: one primary-key lookup per request. */
export async function deviceIsActive(db: SqlRunner, tenantId: string, id: string): Promise<boolean> {
  const rows = await db.query(`SELECT 1 FROM devices WHERE id = $2 AND tenant_id = $1 AND status = 'active'`, [tenantId, id]);
  return rows.length > 0;
}

/**
 * Record that a device was seen. Writes at most once a minute per device, so calling it on every
 * request costs a primary-key lookup, not a row update.
 */
export async function touchDevice(db: SqlRunner, tenantId: string, id: string, at: Date): Promise<void> {
  await db.query(
    `UPDATE devices SET last_seen_at = $3
     WHERE id = $2 AND tenant_id = $1 AND (last_seen_at IS NULL OR last_seen_at < $3::timestamptz - interval '1 minute')`,
    [tenantId, id, at],
  );
}

/**
 * A tenant's active devices, counted with its tenant row locked: devices added concurrently (two
 * approvals, two registrations) queue behind one another, so a cap on the count holds.
 */
export async function countActiveDevicesLocked(tx: SqlRunner, tenantId: string): Promise<number> {
  await tx.query(`SELECT 1 FROM tenants WHERE tenant_id = $1 FOR UPDATE`, [tenantId]);
  const rows = await tx.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices WHERE tenant_id = $1 AND status = 'active'`, [tenantId]);
  return rows[0]?.n ?? 0;
}
