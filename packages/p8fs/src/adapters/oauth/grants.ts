import type { Provider } from 'oidc-provider';
import { splitScope } from './scopes.js';

/**
 * Record a person's approval as an oidc-provider Grant: the vault scopes on each resource the client
 * asked for, which is what its access tokens carry. The vault scopes are also granted as plain
 * scopes: they are in the provider's static scope list (so discovery advertises them), which makes
 * its consent check look for them there too. Returns the grant id.
 */
export async function saveGrant(
  provider: Provider,
  input: { accountId: string; clientId: string; scope: string | null | undefined; resources: readonly string[] },
): Promise<string> {
  const grant = new provider.Grant({ accountId: input.accountId, clientId: input.clientId });
  const { oidc, vault } = splitScope(input.scope);
  if (oidc.length + vault.length > 0) grant.addOIDCScope([...oidc, ...vault].join(' '));
  if (vault.length > 0) for (const resource of input.resources) grant.addResourceScope(resource, vault.join(' '));
  return grant.save();
}
