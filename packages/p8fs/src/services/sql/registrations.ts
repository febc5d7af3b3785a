import type { DeviceKind, VaultMode } from '@p8fs/contracts';
import type { SqlRunner } from '../../ports/db.js';

/** A registrations row as stored: an e-mail registration in flight. */
export interface RegistrationRow {
  id: string;
  email: string;
  public_key: string;
  device_name: string;
  device_kind: DeviceKind;
  code_hash: string;
  challenge: string;
  attempts: number;
  expires_at: Date;
  consumed_at: Date | null;
  created_at: Date;
  /** the client address that started it (null in process) */
  client_ip: string | null;
  /** the vault mode asked for if this registration creates the account (null: server, or join) */
  mode: VaultMode | null;
}

const COLS = `id, email, public_key, device_name, device_kind, code_hash, challenge, attempts, expires_at, consumed_at, created_at, client_ip, mode`;

/** Store a new registration. */
export async function insertRegistration(
  db: SqlRunner,
  r: Omit<RegistrationRow, 'attempts' | 'consumed_at'>,
): Promise<void> {
  await db.query(
    `INSERT INTO registrations (id, email, public_key, device_name, device_kind, code_hash, challenge, expires_at, created_at, client_ip, mode)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [r.id, r.email, r.public_key, r.device_name, r.device_kind, r.code_hash, r.challenge, r.expires_at, r.created_at, r.client_ip, r.mode],
  );
}

/** Registrations started for this e-mail since a time: in all, and from this client address (the rate limits). */
export async function countStartsSince(db: SqlRunner, email: string, since: Date, clientIp: string | null): Promise<{ total: number; fromClient: number }> {
  const rows = await db.query<{ total: number; from_client: number }>(
    `SELECT count(*)::int AS total, (count(*) FILTER (WHERE client_ip IS NOT DISTINCT FROM $3))::int AS from_client
     FROM registrations WHERE lower(email) = lower($1) AND created_at > $2`,
    [email, since, clientIp],
  );
  return { total: rows[0]?.total ?? 0, fromClient: rows[0]?.from_client ?? 0 };
}

/** A registration, locked for the rest of the transaction so concurrent attempts count one by one. */
export async function lockRegistration(tx: SqlRunner, id: string): Promise<RegistrationRow | null> {
  const rows = await tx.query<RegistrationRow>(`SELECT ${COLS} FROM registrations WHERE id = $1 FOR UPDATE`, [id]);
  return rows[0] ?? null;
}

/** Count one wrong code or signature. */
export async function addFailedAttempt(db: SqlRunner, id: string): Promise<void> {
  await db.query(`UPDATE registrations SET attempts = attempts + 1 WHERE id = $1`, [id]);
}

/** Mark a registration used; false when it already was. */
export async function consumeRegistration(db: SqlRunner, id: string, at: Date): Promise<boolean> {
  const rows = await db.query(`UPDATE registrations SET consumed_at = $2 WHERE id = $1 AND consumed_at IS NULL RETURNING id`, [id, at]);
  return rows.length > 0;
}

/** The tenant with this e-mail (case-insensitive), or null. */
export async function tenantByEmail(db: SqlRunner, email: string): Promise<string | null> {
  const rows = await db.query<{ tenant_id: string }>(`SELECT tenant_id FROM tenants WHERE lower(email) = lower($1)`, [email]);
  return rows[0]?.tenant_id ?? null;
}

/** Create a tenant for an e-mail; false when the id is taken or the e-mail already has one. */
export async function insertTenant(db: SqlRunner, t: { tenant_id: string; name: string; email: string; mode: VaultMode }): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO tenants (tenant_id, name, email, mode) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING tenant_id`,
    [t.tenant_id, t.name, t.email, t.mode],
  );
  return rows.length > 0;
}
