// The scopes this authorization server knows, and how a requested scope string splits between the
// OpenID Connect part of a grant and the part bound to a resource server (RFC 8707).

export const OIDC_SCOPES = ['openid', 'offline_access'] as const;
export const VAULT_SCOPES = ['vault:read', 'vault:write'] as const;
export const ALL_SCOPES: readonly string[] = [...OIDC_SCOPES, ...VAULT_SCOPES];

export interface SplitScope {
  oidc: string[];
  vault: string[];
}

/** Known scopes of a space-separated string, by kind; unknown ones are dropped. */
export function splitScope(scope: string | null | undefined): SplitScope {
  const requested = new Set((scope ?? '').split(' ').filter(Boolean));
  return {
    oidc: OIDC_SCOPES.filter((s) => requested.has(s)),
    vault: VAULT_SCOPES.filter((s) => requested.has(s)),
  };
}

/** The resource indicators of an authorization request's `resource` parameter. */
export function requestedResources(param: unknown, fallback: string): string[] {
  if (typeof param === 'string' && param) return [param];
  if (Array.isArray(param)) {
    const list = param.filter((r): r is string => typeof r === 'string' && r.length > 0);
    if (list.length > 0) return list;
  }
  return [fallback];
}
