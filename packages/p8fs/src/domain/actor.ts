import { FIRST_PARTY_CLIENT_ID, type VaultMode } from '@p8fs/contracts';

/** Who is asking. Every service method takes one; tenant isolation hangs on actor.tenantId. */
export interface Actor {
  readonly tenantId: string;
  readonly userId: string | null;
  readonly deviceId: string | null;
  /** Granted scopes: `vault:read`, `vault:write`; `*` for the local owner in process. */
  readonly scopes: readonly string[];
  /**
   * Signed in through P8FS's own client (the CLI, the web app, the local owner). Only such a sign-in
   * manages the account (devices, approvals, access tokens): an MCP host a person approved, or a
   * personal access token, may read or write the vault as granted but never grant access itself.
   */
  readonly firstParty: boolean;
  /**
   * How the actor's vault is kept. `e2e`: the server holds only ciphertext (decision 0018), so every
   * read and write of the vault is refused there and only the relay (`sync`) answers.
   */
  readonly vaultMode: VaultMode;
}

/** The actor of the local owner: the CLI in process, the embedded server before auth lands. */
export function ownerActor(tenantId: string): Actor {
  return { tenantId, userId: null, deviceId: null, scopes: ['*'], firstParty: true, vaultMode: 'server' };
}

/** What a verified OAuth access token says, as far as an actor needs it. */
export interface ActorClaims {
  tenantId: string;
  deviceId: string;
  clientId: string;
  scopes: readonly string[];
  /** The token's `vault_mode` claim; tokens without one are of server-mode vaults. */
  vaultMode?: VaultMode | undefined;
}

/** The actor of a verified access token (HTTP API and MCP alike). */
export function actorFromClaims(claims: ActorClaims): Actor {
  return {
    tenantId: claims.tenantId,
    userId: null,
    deviceId: claims.deviceId,
    scopes: [...claims.scopes],
    firstParty: claims.clientId === FIRST_PARTY_CLIENT_ID,
    vaultMode: claims.vaultMode ?? 'server',
  };
}
