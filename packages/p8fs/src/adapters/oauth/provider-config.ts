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
import { deviceVerificationPage, messagePage } from './pages.js';
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
    features: {
      devInteractions: { enabled: false },
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
    async extraTokenClaims(_ctx: unknown, token: TokenModel) {
      const device = await findDevice(db, token.accountId);
      return device ? { tenant: device.tenant_id, device: device.id } : undefined;
    },
    // Every client allowed the refresh_token grant gets one, offline_access or not: devices stay
    // signed in until revoked.
    issueRefreshToken: async (_ctx: unknown, client: ClientModel) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
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
      ctx.type = 'html';
      ctx.body = messagePage('Sign-in failed', [out.error, out.error_description].filter(Boolean).join(': '));
    },
  };
}
