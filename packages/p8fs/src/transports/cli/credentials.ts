import { FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import { AppError, errorMessage } from '../../domain/errors.js';

// Sign-ins of this CLI, one per server, in <dataDir>/credentials.json (readable by the user only),
// and the OAuth plumbing they need: discovery from the server's RFC 9728 metadata and refresh.

/** The first-party public client (from the contracts, so the CLI never loads oidc-provider). */
export const CLI_CLIENT_ID = FIRST_PARTY_CLIENT_ID;
export const CLI_CLIENT: oauth.Client = { client_id: CLI_CLIENT_ID, token_endpoint_auth_method: 'none' };

/** Refresh this long before expiry, so a token never runs out mid-command. */
const REFRESH_MARGIN_MS = 60_000;

const Credential = z.object({
  access_token: z.string(),
  refresh_token: z.string(),
  /** ISO time the access token expires. */
  expires_at: z.string(),
  device_id: z.string().optional(),
  tenant_id: z.string().optional(),
  /** A token for the server's MCP endpoint (`p8fs mcp --server`): the same grant, another audience. */
  mcp_access_token: z.string().optional(),
  mcp_expires_at: z.string().optional(),
});
export type Credential = z.infer<typeof Credential>;
const CredentialsFile = z.record(z.string(), Credential);

/** A token response as both the token endpoint and POST /auth/register/verify give it. */
export interface Tokens {
  access_token: string;
  refresh_token?: string | undefined;
  expires_in?: number | undefined;
}

/** The key a server's sign-in is stored under: its URL, normalized, without a trailing slash. */
export function serverKey(url: string): string {
  return new URL(url).href.replace(/\/+$/, '');
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, 'credentials.json');
}

/** Every stored sign-in; none when the file does not exist. */
export function readCredentials(dataDir: string): Record<string, Credential> {
  const path = credentialsPath(dataDir);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new AppError('internal', `cannot read ${path}: ${errorMessage(err)}`);
  }
  let parsed: ReturnType<typeof CredentialsFile.safeParse>;
  try {
    parsed = CredentialsFile.safeParse(JSON.parse(text));
  } catch {
    parsed = CredentialsFile.safeParse(undefined);
  }
  if (!parsed.success) throw new AppError('config.invalid', `${path} is not a valid credentials file: delete it and sign in again`);
  return parsed.data;
}

/** Store (or replace) the sign-in for a server. */
export function saveCredential(dataDir: string, server: string, credential: Credential): void {
  writePrivateJson(credentialsPath(dataDir), { ...readCredentials(dataDir), [serverKey(server)]: credential });
}

/** The stored form of freshly issued tokens; a response without a new refresh token keeps the old one. */
export function credentialFrom(tokens: Tokens, previous: Partial<Credential> = {}, now = Date.now()): Credential {
  const refresh = tokens.refresh_token ?? previous.refresh_token;
  if (!refresh) throw new AppError('internal', 'the server issued no refresh token (offline_access was not granted)');
  return {
    ...previous,
    access_token: tokens.access_token,
    refresh_token: refresh,
    expires_at: new Date(now + (tokens.expires_in ?? 0) * 1000).toISOString(),
  };
}

/**
 * A JSON file only this user can read. Written beside and renamed over, so a crash never leaves
 * half a file; the mode is set on creation, so the secret is never readable by others, not even briefly.
 */
export function writePrivateJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * A valid access token for server from the stored sign-in, refreshed (and the rotated refresh token
 * saved) when it expires within a minute; null when this CLI has not signed in there.
 */
export async function tokenFor(config: Pick<Config, 'dataDir'>, server: string, now = Date.now(), audience: 'api' | 'mcp' = 'api'): Promise<string | null> {
  const key = serverKey(server);
  const stored = readCredentials(config.dataDir)[key];
  if (!stored) return null;
  const [token, expires] = audience === 'api' ? [stored.access_token, stored.expires_at] : [stored.mcp_access_token, stored.mcp_expires_at];
  if (token && expires && Date.parse(expires) - now > REFRESH_MARGIN_MS) return token;
  const auth = await discover(key);
  let tokens: oauth.TokenEndpointResponse;
  try {
    const res = await oauth.refreshTokenGrantRequest(auth.as, CLI_CLIENT, oauth.None(), stored.refresh_token, {
      ...auth.http,
      additionalParameters: { resource: audience === 'api' ? auth.resource : auth.mcpResource },
    });
    tokens = await oauth.processRefreshTokenResponse(auth.as, CLI_CLIENT, res);
  } catch (err) {
    throw oauthFailure(
      err,
      `cannot refresh the sign-in to ${key}`,
      audience === 'mcp'
        ? `the sign-in to ${key} does not cover its MCP endpoint (or was revoked): sign in again with p8fs login --server ${key}`
        : `the sign-in to ${key} is no longer valid (was this device revoked?): sign in again with p8fs login --server ${key}`,
    );
  }
  // Saved at once: the old refresh token is spent, and presenting it again would revoke the whole family.
  if (audience === 'api') saveCredential(config.dataDir, key, credentialFrom(tokens, stored, now));
  else {
    const refresh = tokens.refresh_token ?? stored.refresh_token;
    const mcpExpires = new Date(now + (tokens.expires_in ?? 3600) * 1000).toISOString();
    saveCredential(config.dataDir, key, { ...stored, refresh_token: refresh, mcp_access_token: tokens.access_token, mcp_expires_at: mcpExpires });
  }
  return tokens.access_token;
}

/** The access token to send to --server: --token / P8FS_TOKEN first, else the stored sign-in. */
export async function signedIn(config: Pick<Config, 'dataDir' | 'server' | 'token'>): Promise<{ server: string; token: string }> {
  if (!config.server) throw new AppError('bad_request', 'this command needs --server URL (or P8FS_SERVER)');
  const server = serverKey(config.server);
  const token = config.token ?? (await tokenFor(config, server));
  if (!token) throw new AppError('unauthorized', `not signed in to ${server}: run p8fs register or p8fs login --server ${server}`);
  return { server, token };
}

/** What a client needs to talk OAuth to a P8FS server. */
export interface AuthServer {
  as: oauth.AuthorizationServer;
  /** The API's resource identifier (RFC 8707): tokens are bound to it. */
  resource: string;
  /** The MCP endpoint's resource identifier. */
  mcpResource: string;
  /** Request options: plain http only for a server on this machine. */
  http: { [oauth.allowInsecureRequests]?: boolean };
}

const ProtectedResource = z.object({ resource: z.string(), authorization_servers: z.array(z.string()).min(1) });

/**
 * The authorization server and resource of a P8FS server: its RFC 9728 metadata names them, so a
 * server reached as localhost whose issuer says 127.0.0.1 (or behind a public URL) still works.
 */
export async function discover(server: string): Promise<AuthServer> {
  const base = serverKey(server);
  // Called for its check: plain http to another machine is refused before anything is sent.
  requestOptions(base);
  let metadata: z.infer<typeof ProtectedResource>;
  try {
    const res = await fetch(`${base}/.well-known/oauth-protected-resource`);
    if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
    metadata = ProtectedResource.parse(await res.json());
  } catch (err) {
    throw new AppError('internal', `cannot read the sign-in metadata of ${base} (is it a p8fs server?): ${errorMessage(err)}`);
  }
  const issuer = new URL(metadata.authorization_servers[0] as string);
  try {
    const options = requestOptions(issuer.href);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oauth2' }));
    // The MCP endpoint is the API's /mcp path (its own RFC 9728 document says so too).
    return { as, resource: metadata.resource, mcpResource: `${metadata.resource}/mcp`, http: options };
  } catch (err) {
    throw oauthFailure(err, `cannot discover the authorization server ${issuer.href}`);
  }
}

function requestOptions(url: string): AuthServer['http'] {
  const u = new URL(url);
  if (u.protocol === 'https:') return {};
  if (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname)) return { [oauth.allowInsecureRequests]: true };
  // Tokens over plain http could be read on the way; only this machine's loopback is exempt.
  throw new AppError('bad_request', `sign-in needs https:// (plain http only for 127.0.0.1 or localhost): ${url}`);
}

const OAUTH_STATUS: Record<number, 'bad_request' | 'unauthorized' | 'forbidden' | 'rate_limited'> = {
  400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 429: 'rate_limited',
};

/** An oauth4webapi failure as an AppError; a refused grant (invalid_grant) is unauthorized with `refused` as its message. */
export function oauthFailure(err: unknown, what: string, refused = `${what}: the grant was refused`): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof oauth.ResponseBodyError) {
    if (err.error === 'invalid_grant') return new AppError('unauthorized', refused);
    return new AppError(OAUTH_STATUS[err.status] ?? 'internal', `${err.error}${err.error_description ? `: ${err.error_description}` : ''}`);
  }
  const cause = (err as { cause?: { code?: string } }).cause?.code;
  if (err instanceof TypeError && cause) return new AppError('internal', `cannot reach the server (${cause})`);
  return new AppError('internal', `${what}: ${errorMessage(err)}`);
}
