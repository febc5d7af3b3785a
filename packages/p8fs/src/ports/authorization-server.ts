/** Tokens issued to a device. */
export interface IssuedTokens {
  access_token: string;
  refresh_token: string;
  token_type: 'Bearer';
  /** seconds */
  expires_in: number;
  scope: string;
}

/** What a verified access token says. */
export interface AccessClaims {
  tenantId: string;
  deviceId: string;
  clientId: string;
  scopes: string[];
  /** How the tenant's vault is kept (the token's vault_mode claim). */
  vaultMode: 'server' | 'e2e';
  /** token id, for logs */
  jti: string;
  expiresAt: Date;
}

/** A pending request a person approves from a device they already have. */
export interface PendingApproval {
  userCode: string;
  kind: 'device_code' | 'interaction';
  clientId: string | null;
  clientName: string | null;
  scope: string | null;
  expiresAt: Date;
}

/** The decision on a pending approval. Approving names the tenant and the new device's row. */
export type ApprovalDecision = { approve: true; tenantId: string; deviceId: string } | { approve: false };

/**
 * The OAuth 2.1 authorization server as the services see it (adapters/oauth implements it with
 * oidc-provider). Services never build tokens themselves.
 */
export interface AuthorizationServer {
  /** The issuer URL (also the base of every OAuth endpoint). */
  readonly issuer: string;
  /** The audience (RFC 8707 resource) of tokens for the HTTP API and for MCP. */
  readonly resources: { api: string; mcp: string };
  /** Tokens for a device a first-party client registered (e-mail code + key proof), for the API. */
  issueTokens(input: { tenantId: string; deviceId: string; clientId: string; scope: string; resource: string }): Promise<IssuedTokens>;
  /** Apply a person's decision to a pending device authorization or browser sign-in. */
  settle(approval: PendingApproval, decision: ApprovalDecision): Promise<void>;
  /** Verify an access token for one resource: signature, issuer, audience, expiry, that its device is still active and its grant not revoked. Throws unauthorized. */
  verifyAccessToken(token: string, resource: string): Promise<AccessClaims>;
  /** Revoke every grant (refresh tokens, codes) issued to a device. */
  revokeDevice(deviceId: string): Promise<void>;
}
