import { z } from 'zod';

// Wire schemas of personal access tokens: long-lived bearer tokens a person creates for an MCP host
// or a script that takes a fixed Authorization header (Claude Code --header, n8n, curl).

/** Every personal access token starts with this, so secret scanners and the bearer check can tell it from a JWT. */
export const ACCESS_TOKEN_PREFIX = 'p8pat_';

/** Which endpoint a token is for: the REST API (/api/v1) or the MCP endpoint (/api/mcp); never both. */
export const TOKEN_AUDIENCES = ['api', 'mcp'] as const;
export const TokenAudience = z.enum(TOKEN_AUDIENCES);
export type TokenAudience = z.infer<typeof TokenAudience>;

/** What a token may do. `vault:write` implies `vault:read`: a write token is stored with both. */
export const ACCESS_TOKEN_SCOPES = ['vault:read', 'vault:write'] as const;
export const AccessTokenScope = z.enum(ACCESS_TOKEN_SCOPES);
export type AccessTokenScope = z.infer<typeof AccessTokenScope>;

/** Lifetime when none is given: 90 days. */
export const ACCESS_TOKEN_DEFAULT_TTL_SECONDS = 90 * 86_400;
/** The longest finite lifetime (a year); `null` (never expires) must be asked for explicitly. */
export const ACCESS_TOKEN_MAX_TTL_SECONDS = 366 * 86_400;

/** POST /api/v1/tokens. */
export const CreateAccessTokenBody = z.object({
  /** What the token is for, shown in listings ("claude-code", "n8n on the NAS"). */
  name: z.string().trim().min(1).max(100),
  scopes: z.array(AccessTokenScope).min(1).max(2).default(['vault:read']),
  audience: TokenAudience.default('api'),
  /** Seconds until it expires (60 s to a year), or null for a token that never expires. */
  expires_in: z.number().int().min(60).max(ACCESS_TOKEN_MAX_TTL_SECONDS).nullable().default(ACCESS_TOKEN_DEFAULT_TTL_SECONDS),
});
export type CreateAccessTokenBody = z.input<typeof CreateAccessTokenBody>;
export type CreateAccessTokenInput = z.output<typeof CreateAccessTokenBody>;

export const ACCESS_TOKEN_STATUSES = ['active', 'expired', 'device_revoked'] as const;

/** A token as listed: never the secret, which only its hash is stored as. */
export const AccessTokenDto = z.object({
  id: z.string().uuid(),
  name: z.string(),
  audience: TokenAudience,
  scopes: z.array(AccessTokenScope),
  /** The device that created it (it dies with that device), or null when the local owner made it in process. */
  device_id: z.string().uuid().nullable(),
  status: z.enum(ACCESS_TOKEN_STATUSES),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  /** Updated at most about once a minute. */
  last_used_at: z.string().nullable(),
});
export type AccessTokenDto = z.infer<typeof AccessTokenDto>;

/** The answer to a create: the token itself, shown this once. */
export const CreatedAccessToken = AccessTokenDto.extend({ token: z.string().startsWith(ACCESS_TOKEN_PREFIX) });
export type CreatedAccessToken = z.infer<typeof CreatedAccessToken>;

export const AccessTokenList = z.object({ tokens: z.array(AccessTokenDto) });
export type AccessTokenList = z.infer<typeof AccessTokenList>;

/** POST /api/v1/auth/local-token?audience=api|mcp: the audience of the owner's token (default api). */
export const LocalTokenQuery = z.object({ audience: TokenAudience.default('api') });
export type LocalTokenQuery = z.infer<typeof LocalTokenQuery>;
