import { z } from 'zod';
import { VaultMode } from './sync.js';

// Wire schemas of the account API: e-mail registration, devices, and approving a new device or a
// browser sign-in from a device the person already has.

/** A raw 32-byte Ed25519 public key, base64url without padding (43 characters). */
export const Ed25519PublicKey = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url Ed25519 public key (32 bytes)');
/** A raw 64-byte Ed25519 signature, base64url without padding (86 characters). */
export const Ed25519Signature = z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'a base64url Ed25519 signature (64 bytes)');

/** The first-party public OAuth client (the CLI and the phone app) and the scope it asks for. */
export const FIRST_PARTY_CLIENT_ID = 'p8fs-cli';
export const FIRST_PARTY_SCOPE = 'openid offline_access vault:read vault:write';

export const DEVICE_KINDS = ['mobile', 'desktop', 'cli', 'browser', 'mcp', 'server'] as const;
export const DeviceKind = z.enum(DEVICE_KINDS);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const DeviceName = z.string().trim().min(1).max(100);

/** POST /auth/register: start an e-mail registration for a device holding a key pair. */
export const RegisterStartBody = z.object({
  email: z.string().trim().max(254).pipe(z.email()),
  public_key: Ed25519PublicKey,
  device_name: DeviceName,
  device_kind: DeviceKind,
  /**
   * The vault's mode when this registration creates the account: `e2e` keeps the keys on the devices
   * (decision 0018). Chosen once: asking for `e2e` with an e-mail that has an account is refused.
   */
  mode: VaultMode.optional(),
});
export type RegisterStartBody = z.infer<typeof RegisterStartBody>;

export const RegisterStartResult = z.object({
  registration_id: z.string().uuid(),
  /** The client signs `p8fs-register-v1:<challenge>` with its private key to prove it holds it. */
  challenge: z.string(),
  expires_at: z.string(),
});
export type RegisterStartResult = z.infer<typeof RegisterStartResult>;

/** POST /auth/register/verify: the e-mailed code and the signature over the challenge. */
export const RegisterVerifyBody = z.object({
  registration_id: z.string().uuid(),
  code: z.string().trim().regex(/^\d{6}$/, 'the 6-digit code from the e-mail'),
  signature: Ed25519Signature,
});
export type RegisterVerifyBody = z.infer<typeof RegisterVerifyBody>;

/** Tokens as the token endpoint issues them. */
export const TokenSet = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number().int(),
  scope: z.string(),
});
export type TokenSet = z.infer<typeof TokenSet>;

export const RegisterVerifyResult = z.object({
  tenant_id: z.string(),
  device_id: z.string().uuid(),
  tokens: TokenSet,
  /** How the account's vault is kept (an older server says nothing: server). */
  vault_mode: VaultMode.default('server'),
});
export type RegisterVerifyResult = z.infer<typeof RegisterVerifyResult>;

export const DEVICE_STATUSES = ['active', 'revoked'] as const;

/** A device as the API presents it (the public key, never anything secret). */
export const DeviceDto = z.object({
  id: z.string().uuid(),
  name: z.string(),
  kind: DeviceKind,
  status: z.enum(DEVICE_STATUSES),
  /** Only devices with a key can approve others. */
  public_key: z.string().nullable(),
  approved_by: z.string().uuid().nullable(),
  oauth_client_id: z.string().nullable(),
  created_at: z.string(),
  last_seen_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type DeviceDto = z.infer<typeof DeviceDto>;

export const DeviceList = z.object({ devices: z.array(DeviceDto) });
export type DeviceList = z.infer<typeof DeviceList>;

export const RenameDeviceBody = z.object({ name: DeviceName });
export type RenameDeviceBody = z.infer<typeof RenameDeviceBody>;

/** A request waiting for approval, as the approving person sees it. */
export const ApprovalDto = z.object({
  user_code: z.string(),
  kind: z.enum(['device_code', 'interaction']),
  client_id: z.string().nullable(),
  client_name: z.string().nullable(),
  scope: z.string().nullable(),
  expires_at: z.string(),
  // Defaults keep a newer client reading an older server safe: unverified, audience unknown.
  /** True only for the first-party client; any other name is the client's own claim. */
  verified: z.boolean().default(false),
  /** The resource servers the tokens would be for: the HTTP API, the MCP endpoint, or both. */
  audience: z.array(z.enum(['api', 'mcp'])).default([]),
  /** Where a browser sign-in returns to (host, or the scheme of a native app); null for device codes. */
  redirect_host: z.string().nullable().default(null),
});
export type ApprovalDto = z.infer<typeof ApprovalDto>;

/**
 * POST /auth/approvals: approve or deny from a device with a key. The signature is over
 * `p8fs-approval-v1:<approve|deny>:<USER-CODE>:<nonce>` with that device's private key.
 */
export const ApprovalDecisionBody = z.object({
  user_code: z.string().trim().min(1).max(64),
  approve: z.boolean(),
  /** Client-chosen random string (16 to 128 base64url characters), used once. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/, '16 to 128 base64url characters'),
  signature: Ed25519Signature,
});
export type ApprovalDecisionBody = z.infer<typeof ApprovalDecisionBody>;

export const ApprovalDecisionResult = z.object({
  user_code: z.string(),
  status: z.enum(['approved', 'denied']),
  /** The new device's id when approved. */
  device_id: z.string().uuid().nullable(),
});
export type ApprovalDecisionResult = z.infer<typeof ApprovalDecisionResult>;
