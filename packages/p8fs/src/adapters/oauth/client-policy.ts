import { FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import { errors } from 'oidc-provider';

// What a client may register, and what the server trusts about it. Registration is open (MCP hosts
// register themselves), so a client's name and its redirect URIs are only its own claims: only the
// first-party client is verified, and a redirect URI must at least not be readable on the way.

/** Hosts a plain-http redirect may use: the machine itself (RFC 8252 §7.3, §8.3). */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

// Schemes a browser runs, reads locally or treats as a document: never a redirect target, whatever
// the client claims to be (oidc-provider refuses the first six for native apps already).
const FORBIDDEN_SCHEMES = new Set(['javascript:', 'vbscript:', 'data:', 'blob:', 'file:', 'about:', 'filesystem:', 'view-source:']);

/** Whether a client is the first-party client (the CLI and the phone app), the only verified one. */
export function isFirstPartyClient(clientId: string | null | undefined): boolean {
  return clientId === FIRST_PARTY_CLIENT_ID;
}

/**
 * Why a redirect URI is refused, or undefined when it is allowed:
 * - https anywhere;
 * - plain http only on a loopback host (127.0.0.1, [::1], localhost), where nothing on the network
 *   can read the code on its way back;
 * - a private-use scheme (RFC 8252 §7.1, e.g. com.example.app:/cb) only for native apps, and none
 *   of the schemes above. Reverse-domain names are not enforced: MCP hosts in use (cursor://) do not
 *   follow them, and the scheme cannot reach a web page an attacker controls.
 */
export function redirectUriProblem(uri: string, applicationType: unknown): string | undefined {
  const url = URL.parse(uri);
  // Unparseable URIs are the provider's own schema check to refuse, with its own message.
  if (!url) return undefined;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:') {
    return LOOPBACK_HOSTS.has(url.hostname) ? undefined : 'plain http is allowed only on a loopback host (127.0.0.1, [::1], localhost); use https';
  }
  if (applicationType !== 'native') return 'a web client must use https (or http on a loopback host)';
  if (FORBIDDEN_SCHEMES.has(url.protocol)) return `the ${url.protocol} scheme is not allowed`;
  return undefined;
}

/** Properties the registration validator looks at (oidc-provider's extraClientMetadata). */
export const CHECKED_CLIENT_METADATA = ['redirect_uris', 'post_logout_redirect_uris'];

/**
 * extraClientMetadata.validator: apply redirectUriProblem to redirect_uris and
 * post_logout_redirect_uris, at registration and whenever a stored client is loaded (so a client
 * registered before this policy stops working rather than keeps redirecting over plain http).
 */
export function validateClientMetadata(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
  if (!CHECKED_CLIENT_METADATA.includes(key) || !Array.isArray(value)) return;
  for (const uri of value) {
    if (typeof uri !== 'string') continue;
    const problem = redirectUriProblem(uri, metadata.application_type);
    // A description starting with redirect_uris makes the error invalid_redirect_uri (RFC 7591 §3.2.2).
    if (problem) throw new errors.InvalidClientMetadata(`${key} ${uri}: ${problem}`);
  }
}

/** What an approval shows as where the browser returns: the host of a web URI, the scheme of an app's. */
export function redirectHost(uri: unknown): string | null {
  if (typeof uri !== 'string') return null;
  const url = URL.parse(uri);
  if (!url) return null;
  return url.protocol === 'https:' || url.protocol === 'http:' ? url.host : url.protocol;
}

/** The audience labels ('api', 'mcp') of a list of resource indicators. */
export function audienceOf(resources: readonly string[], known: { api: string; mcp: string }): ('api' | 'mcp')[] {
  const labels: ('api' | 'mcp')[] = [];
  if (resources.includes(known.api)) labels.push('api');
  if (resources.includes(known.mcp)) labels.push('mcp');
  return labels;
}
