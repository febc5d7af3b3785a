import type { TokenAudience } from '@p8fs/contracts';
import { deviceId } from '../../domain/ids.js';
import type { AuthorizationServer, IssuedTokens } from '../../ports/authorization-server.js';
import type { Db } from '../../ports/db.js';
import { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPE } from './registration.js';

/**
 * The vault owner's own device on this machine: the embedded server and the CLI act through it.
 * Its id is derived from the tenant, so every process agrees on it without coordination.
 */
export async function ensureOwnerDevice(db: Db, tenantId: string, publicKey?: string): Promise<string> {
  const id = deviceId(tenantId, 'owner-local');
  await db.query(
    `INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'this computer (owner)', 'server') ON CONFLICT (id) DO NOTHING`,
    [id, tenantId],
  );
  // The key of the machine holding the data dir; a key another device already registered stays theirs.
  if (publicKey) {
    await db.query(
      `UPDATE devices SET public_key = $3 WHERE id = $1 AND tenant_id = $2 AND public_key IS DISTINCT FROM $3
         AND NOT EXISTS (SELECT 1 FROM devices d WHERE d.public_key = $3 AND d.id <> $1)`,
      [id, tenantId, publicKey],
    );
  }
  return id;
}

/** Tokens for the owner device (`p8fs auth token [--audience mcp]`, and the CLI against a local server); API audience unless asked. */
export function ownerTokens(auth: AuthorizationServer, tenantId: string, ownerDeviceId: string, audience: TokenAudience = 'api'): Promise<IssuedTokens> {
  return auth.issueTokens({ tenantId, deviceId: ownerDeviceId, clientId: FIRST_PARTY_CLIENT_ID, scope: FIRST_PARTY_SCOPE, resource: auth.resources[audience] });
}
