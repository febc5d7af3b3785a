import { deviceId } from '../../domain/ids.js';
import type { AuthorizationServer, IssuedTokens } from '../../ports/authorization-server.js';
import type { Db } from '../../ports/db.js';
import { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPE } from './registration.js';

/**
 * The vault owner's own device on this machine: the embedded server and the CLI act through it.
 * Its id is derived from the tenant, so every process agrees on it without coordination.
 */
export async function ensureOwnerDevice(db: Db, tenantId: string): Promise<string> {
  const id = deviceId(tenantId, 'owner-local');
  await db.query(
    `INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'this computer (owner)', 'server') ON CONFLICT (id) DO NOTHING`,
    [id, tenantId],
  );
  return id;
}

/** API tokens for the owner device (`p8fs auth token`, and the CLI against a local server). */
export function ownerTokens(auth: AuthorizationServer, tenantId: string, ownerDeviceId: string): Promise<IssuedTokens> {
  return auth.issueTokens({ tenantId, deviceId: ownerDeviceId, clientId: FIRST_PARTY_CLIENT_ID, scope: FIRST_PARTY_SCOPE, resource: auth.resources.api });
}
