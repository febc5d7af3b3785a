import { randomInt } from 'node:crypto';
import type { KoaContextWithOIDC, Middleware } from 'oidc-provider';
import { displayText } from '../../domain/display-text.js';
import type { SqlRunner } from '../../ports/db.js';
import { audienceOf } from './client-policy.js';
import { requestedResources } from './scopes.js';

// The approvals rows the authorization server opens; the lead's ApprovalService decides them.

/** oidc-provider's base-20 alphabet: no vowels (no words) and no look-alike characters. */
const ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';

/** A fresh user code, XXXX-XXXX (about 34 bits). */
export function generateUserCode(): string {
  const pick = () => Array.from({ length: 4 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return `${pick()}-${pick()}`;
}

/** Any spelling of a user code (lower case, spaces, no dash) as XXXX-XXXX, or the input upper-cased. */
export function formatUserCode(input: string): string {
  const bare = input.toUpperCase().replace(/\W/g, '');
  return bare.length === 8 ? `${bare.slice(0, 4)}-${bare.slice(4)}` : bare;
}

export interface OpenApproval {
  userCode: string;
  kind: 'device_code' | 'interaction';
  ref: string;
  clientId: string | null;
  /** The client's own claim; stored without control characters (displayText). */
  clientName: string | null;
  scope: string | null;
  /** The resource servers asked for, as the person is shown them. */
  audience: ('api' | 'mcp')[];
  /** Where a browser sign-in returns to (client-policy redirectHost); null for device codes. */
  redirectHost: string | null;
  expiresAt: Date;
}

export interface ApprovalRow {
  user_code: string;
  status: 'pending' | 'approved' | 'denied';
  device_id: string | null;
  tenant_id: string | null;
  expires_at: Date;
}

/**
 * Insert an approval; false when its user code is taken by a live one. An expired row under the
 * same code is replaced: codes are short and reused over time.
 */
export async function insertApproval(db: SqlRunner, a: OpenApproval): Promise<boolean> {
  const clientName = a.clientName === null ? null : displayText(a.clientName) || null;
  const rows = await db.query(
    `INSERT INTO approvals (user_code, kind, ref, client_id, client_name, scope, audience, redirect_host, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (user_code) DO UPDATE SET kind = EXCLUDED.kind, ref = EXCLUDED.ref, client_id = EXCLUDED.client_id,
       client_name = EXCLUDED.client_name, scope = EXCLUDED.scope, audience = EXCLUDED.audience,
       redirect_host = EXCLUDED.redirect_host, status = 'pending', tenant_id = NULL,
       device_id = NULL, approved_by = NULL, expires_at = EXCLUDED.expires_at, created_at = now(), decided_at = NULL
     WHERE approvals.expires_at < now()
     RETURNING user_code`,
    [a.userCode, a.kind, a.ref, a.clientId, clientName, a.scope, a.audience.join(' ') || null, a.redirectHost, a.expiresAt],
  );
  return rows.length > 0;
}

/**
 * Open an interaction's approval under a fresh user code, or return the one it already has (a
 * reloaded page shows the same code). A clash with a live code is retried with another.
 */
export async function openInteractionApproval(db: SqlRunner, a: Omit<OpenApproval, 'userCode' | 'kind'>): Promise<string> {
  const existing = await findInteractionApproval(db, a.ref);
  if (existing && existing.status === 'pending' && existing.expires_at > new Date()) return existing.user_code;
  for (let attempt = 0; attempt < 5; attempt++) {
    const userCode = generateUserCode();
    if (await insertApproval(db, { ...a, userCode, kind: 'interaction' })) return userCode;
  }
  throw new Error('could not allocate a unique user code');
}

/** The newest approval of an interaction. */
export async function findInteractionApproval(db: SqlRunner, uid: string): Promise<ApprovalRow | undefined> {
  const [row] = await db.query<ApprovalRow>(
    `SELECT user_code, status, device_id, tenant_id, expires_at FROM approvals
     WHERE kind = 'interaction' AND ref = $1 ORDER BY created_at DESC LIMIT 1`,
    [uid],
  );
  return row;
}

/**
 * Every device authorization (RFC 8628) opens an approvals row under its user code, before the
 * device sees the response, so `p8fs approve CODE` finds it on the first try.
 */
export function openDeviceApproval(db: SqlRunner, resources: { api: string; mcp: string }): Middleware {
  return async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.oidc?.route !== 'device_authorization' || ctx.status !== 200) return;
    const body = ctx.body as { user_code?: string; expires_in?: number };
    const client = ctx.oidc.client;
    if (!body.user_code || !client) return;
    const scope = ctx.oidc.params?.scope;
    const opened = await insertApproval(db, {
      userCode: formatUserCode(body.user_code),
      kind: 'device_code',
      ref: formatUserCode(body.user_code),
      clientId: client.clientId,
      clientName: client.clientName ?? null,
      scope: typeof scope === 'string' ? scope : null,
      audience: audienceOf(requestedResources(ctx.oidc.params?.resource, resources.api), resources),
      redirectHost: null,
      expiresAt: new Date(Date.now() + (body.expires_in ?? 600) * 1000),
    });
    // A live row under the same code: the device must start again (about one in 25 billion).
    if (!opened) throw new Error('user code collision');
  };
}
