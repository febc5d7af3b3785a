import { FIRST_PARTY_CLIENT_ID } from '@p8fs/contracts';
import { randomBytes } from 'node:crypto';
import type {
  AdapterConstructor,
  ClientModel,
  Configuration,
  KoaContextWithOIDC,
  ResourceServerInfo,
  TokenModel,
} from 'oidc-provider';
import { errors } from 'oidc-provider';
import type { SqlRunner } from '../../ports/db.js';
import { CHECKED_CLIENT_METADATA, validateClientMetadata } from './client-policy.js';
import { deviceVerificationPage, logoutPage, messagePage } from './pages.js';
import { ALL_SCOPES, VAULT_SCOPES } from './scopes.js';
import { SIGNING_ALG, type SigningKey } from './signing-keys.js';

/** The first-party public client: the CLI and the phone app. */
export const CLI_CLIENT_ID = FIRST_PARTY_CLIENT_ID;
export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface DeviceRow {
  id: string;
  tenant_id: string;
  status: 'active' | 'revoked';
}

/** The device a token or code names, when it exists (accountId = device id). */
export async function findDevice(db: SqlRunner, id: string | undefined): Promise<DeviceRow | undefined> {
  if (!id || !UUID.test(id)) return undefined;
  const [row] = await db.query<DeviceRow>(`SELECT id, tenant_id, status FROM devices WHERE id = $1`, [id]);
  return row;
}

/**
 * The device of an access token and whether the grant it was issued under is still live, in one
 * round trip (it runs on every request). A grant is deleted when it is revoked: a reused refresh
 * token, a revoked device, a logout.
 */
export async function findTokenHolder(db: SqlRunner, deviceId: string, grantId: string): Promise<(DeviceRow & { grant_live: boolean }) | undefined> {
  if (!UUID.test(deviceId)) return undefined;
  const [row] = await db.query<DeviceRow & { grant_live: boolean }>(
    `SELECT d.id, d.tenant_id, d.status, EXISTS (
       SELECT 1 FROM oauth_models g
       WHERE g.grant_id = $2 AND g.model = 'Grant' AND (g.expires_at IS NULL OR g.expires_at > now())
     ) AS grant_live
     FROM devices d WHERE d.id = $1`,
    [deviceId, grantId],
  );
  return row;
}

export interface ProviderConfigInput {
  db: SqlRunner;
  adapter: AdapterConstructor;
  keys: SigningKey[];
  /** The server's root URL: the verification pages' QR code links to its approval page. */
  issuer: string;
  resources: { api: string; mcp: string };
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
}

/** What a resource server's tokens look like: ES256 JWTs with the resource as audience. */
export function resourceServerInfo(resource: string, accessTokenTtlSeconds: number): ResourceServerInfo {
  return {
    audience: resource,
    scope: VAULT_SCOPES.join(' '),
    accessTokenTTL: accessTokenTtlSeconds,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: SIGNING_ALG } },
  };
}

/** oidc-provider's configuration for P8FS. */
export function providerConfiguration(input: ProviderConfigInput): Configuration {
  const { db, resources, accessTokenTtlSeconds } = input;
  const known = new Set([resources.api, resources.mcp]);
  const refreshTtl = input.refreshTokenTtlDays * 86_400;

  return {
    adapter: input.adapter,
    jwks: { keys: input.keys.map((k) => k.privateJwk) },
    // Signs the interaction and session cookies; those live minutes, so a key per process is enough.
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    clients: [
      {
        client_id: CLI_CLIENT_ID,
        client_name: 'P8FS',
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token', DEVICE_CODE_GRANT],
        response_types: ['code'],
        // Native loopback redirect: any port is accepted (RFC 8252 §7.3).
        redirect_uris: ['http://127.0.0.1/callback'],
        id_token_signed_response_alg: SIGNING_ALG,
      },
    ],
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      id_token_signed_response_alg: SIGNING_ALG,
    },
    scopes: [...ALL_SCOPES],
    claims: { openid: ['sub'] },
    routes: {
      authorization: '/oauth/authorize',
      token: '/oauth/token',
      jwks: '/oauth/jwks',
      registration: '/oauth/register',
      revocation: '/oauth/revoke',
      introspection: '/oauth/introspect',
      device_authorization: '/oauth/device/auth',
      code_verification: '/oauth/device',
      end_session: '/oauth/logout',
      userinfo: '/oauth/userinfo',
      pushed_authorization_request: '/oauth/par',
      backchannel_authentication: '/oauth/backchannel',
      challenge: '/oauth/challenge',
      credential: '/oauth/credential',
    },
    pkce: { required: () => true },
    // Registration policy for redirect URIs (client-policy.ts): https, or http on loopback only.
    extraClientMetadata: { properties: CHECKED_CLIENT_METADATA, validator: validateClientMetadata },
    features: {
      devInteractions: { enabled: false },
      // Logout pages are ours (a button, our CSP); guardLogout() decides where the confirm step goes.
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: KoaContextWithOIDC, form: string) => {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = messagePage('Signed out', 'You are signed out of this vault in this browser. You can close this window.');
        },
      },
      // Open registration (RFC 7591): MCP hosts register themselves; what they can get is still
      // bounded by a person's approval.
      registration: { enabled: true, initialAccessToken: false },
      // A client revokes and introspects its own tokens only (clients here are public: no secret
      // proves who else might ask).
      revocation: { enabled: true, allowedPolicy: async (_ctx: unknown, client: ClientModel, token: TokenModel) => token.clientId === client.clientId },
      introspection: { enabled: true, allowedPolicy: async (_ctx: unknown, client: ClientModel, token: TokenModel) => token.clientId === client.clientId },
      userinfo: { enabled: true },
      deviceFlow: {
        enabled: true,
        // handle() answers /oauth/device itself; should the provider's verification pages ever be
        // reached, they too show no form: codes are approved from a device already signed in.
        userCodeInputSource: async (ctx: KoaContextWithOIDC) => {
          const code = ctx.query.user_code;
          ctx.type = 'html';
          ctx.body = await deviceVerificationPage(input.issuer, typeof code === 'string' ? code : undefined);
        },
        userCodeConfirmSource: async (ctx: KoaContextWithOIDC, _form: string, _client: unknown, _info: unknown, userCode: string) => {
          ctx.type = 'html';
          ctx.body = await deviceVerificationPage(input.issuer, userCode);
        },
        successSource: async (ctx: KoaContextWithOIDC) => {
          ctx.type = 'html';
          ctx.body = messagePage('Device approved', 'You can close this window.');
        },
      },
      resourceIndicators: {
        enabled: true,
        // A grant for several resources (the CLI asks for the API and MCP) issues API tokens unless the
        // token request names another; each access token has exactly one audience.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          !oneOf || oneOf.includes(resources.api) ? resources.api : (oneOf[0] as string),
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, resource: string) => {
          if (!known.has(resource)) throw new errors.InvalidTarget();
          return resourceServerInfo(resource, accessTokenTtlSeconds);
        },
      },
    },
    async findAccount(_ctx: unknown, id: string) {
      const device = await findDevice(db, id);
      if (device?.status !== 'active') return undefined;
      return { accountId: device.id, claims: async () => ({ sub: device.id }) };
    },
    // grant_id: verifyAccessToken checks the grant still exists, so revoking it stops the JWTs too.
    // vault_mode: an end-to-end vault's tokens say so (decision 0018); its mode never changes after creation.
    async extraTokenClaims(_ctx: unknown, token: TokenModel) {
      const device = await findDevice(db, token.accountId);
      if (!device) return undefined;
      const [tenant] = await db.query<{ mode: string }>(`SELECT mode FROM tenants WHERE tenant_id = $1`, [device.tenant_id]);
      return { tenant: device.tenant_id, device: device.id, grant_id: token.grantId, vault_mode: tenant?.mode ?? 'server' };
    },
    // Every client allowed the refresh_token grant gets one, offline_access or not: devices stay
    // signed in until revoked.
    issueRefreshToken: async (_ctx: unknown, client: ClientModel) => client.grantTypeAllowed('refresh_token'),
    // Always rotate. The provider consumes the old refresh token here, before it resolves the
    // requested resource, so a refused resource would spend the token (and a retry would look like
    // reuse and revoke the grant): the resource is checked first, as the provider checks it later.
    rotateRefreshToken: (ctx: KoaContextWithOIDC) => {
      const token = ctx.oidc?.entities.RefreshToken as TokenModel | undefined;
      const param = ctx.oidc?.params?.resource;
      const requested = param === undefined ? [] : Array.isArray(param) ? param : [param];
      for (const resource of requested) {
        if (typeof resource !== 'string' || !known.has(resource) || !token?.resourceIndicators.has(resource)) throw new errors.InvalidTarget();
      }
      return true;
    },
    expiresWithSession: async () => false,
    interactions: { url: async (_ctx: unknown, interaction: { uid: string }) => `/oauth/interaction/${interaction.uid}` },
    ttl: {
      AccessToken: accessTokenTtlSeconds,
      AuthorizationCode: 60,
      DeviceCode: 600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: refreshTtl,
      Session: 3600,
      // Rotation keeps a device's refresh tokens fresh; its grant must outlive them.
      Grant: Math.max(refreshTtl, 365 * 86_400),
      ClientCredentials: accessTokenTtlSeconds,
      BackchannelAuthenticationRequest: 600,
      PreAuthorizedCode: 600,
    },
    renderError: async (ctx: KoaContextWithOIDC, out: Record<string, string>) => {
      // prompt=none errors carry 303, meant for a redirect; shown here (keepUntrustedErrorsHere), they are a 400.
      if (ctx.status >= 300 && ctx.status < 400) ctx.status = 400;
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in failed', [out.error, out.error_description].filter(Boolean).join(': '));
    },
  };
}
