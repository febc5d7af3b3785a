import type { IncomingMessage, ServerResponse } from 'node:http';
import { type JWTPayload, jwtVerify } from 'jose';
import Provider from 'oidc-provider';
import { AppError, errorMessage } from '../../domain/errors.js';
import type {
  AccessClaims,
  ApprovalDecision,
  AuthorizationServer,
  IssuedTokens,
  PendingApproval,
} from '../../ports/authorization-server.js';
import type { Db } from '../../ports/db.js';
import type { SecretBox } from '../../ports/key-wrapper.js';
import type { Logger } from '../../ports/logger.js';
import { formatUserCode, openDeviceApproval } from './approvals.js';
import { devicePolling } from './device-polling.js';
import { saveGrant } from './grants.js';
import { handleInteraction, INTERACTION_PATH } from './interactions.js';
import { oauthModelAdapter, pruneExpiredModels, revokeGrants } from './model-adapter.js';
import { deviceVerificationPage, messagePage, sendPage } from './pages.js';
import { findDevice, findTokenHolder, providerConfiguration, resourceServerInfo } from './provider-config.js';
import { guardLogout, keepUntrustedErrorsHere, pinIssuerOrigin, securityHeaders } from './provider-hardening.js';
import { requestedResources, splitScope } from './scopes.js';
import { databaseJwks, ensureSigningKeys, SIGNING_ALG } from './signing-keys.js';

export interface AuthorizationServerOptions {
  db: Db;
  /** The server's root URL as clients reach it, e.g. http://127.0.0.1:8808. */
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  log: Logger;
  /** RFC 8628 polling interval announced to devices and enforced with slow_down (default 5). */
  devicePollIntervalSeconds?: number;
  /** Trust X-Forwarded-* (behind a TLS-terminating proxy). */
  trustProxy?: boolean;
  /** Seals the signing keys' private JWKs in the database (encryption at rest); the app always passes one. */
  secrets?: SecretBox;
}

/** The authorization server plus the HTTP side the server mounts. */
export interface OAuthServer extends AuthorizationServer {
  /** Answer a request for one of the paths handles() accepts. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Whether a path belongs to the authorization server. */
  handles(pathname: string): boolean;
  close(): Promise<void>;
}

/** The token grant type recorded on tokens issueTokens mints (first-party registration). */
const ISSUE_GTY = 'urn:p8fs:device-registration';
const WELL_KNOWN_OIDC = '/.well-known/openid-configuration';
const WELL_KNOWN_OAUTH = '/.well-known/oauth-authorization-server';

/**
 * The OAuth 2.1 authorization server on oidc-provider: PKCE (S256) authorization code, device
 * authorization grant, dynamic registration, resource-bound ES256 JWT access tokens, rotating
 * refresh tokens with reuse detection, revocation and introspection. Storage is the oauth_models,
 * approvals and signing_keys tables; accounts are device rows.
 */
export async function createAuthorizationServer(opts: AuthorizationServerOptions): Promise<OAuthServer> {
  const { db, log } = opts;
  const issuer = opts.issuer.replace(/\/+$/, '');
  // The MCP resource is the endpoint URL itself: MCP clients (the SDK's auth()) require the RFC 9728
  // metadata's resource to be a prefix of the URL they connect to.
  const resources = { api: `${issuer}/api`, mcp: `${issuer}/api/mcp` };
  const keys = await ensureSigningKeys(db, opts.secrets);
  const pruned = await pruneExpiredModels(db);
  if (pruned > 0) log.debug({ pruned }, 'oauth: expired models deleted');
  const jwks = databaseJwks(db, keys, opts.secrets);

  const provider = new Provider(
    issuer,
    providerConfiguration({
      db,
      adapter: oauthModelAdapter(db),
      keys,
      issuer,
      resources,
      accessTokenTtlSeconds: opts.accessTokenTtlSeconds,
      refreshTokenTtlDays: opts.refreshTokenTtlDays,
    }),
  );
  // Koa's proxy mode only decides whether X-Forwarded-For names the client; URLs come from the issuer.
  provider.proxy = opts.trustProxy ?? false;
  provider.use(pinIssuerOrigin(issuer));
  provider.use(securityHeaders());
  provider.use(guardLogout());
  provider.use(openDeviceApproval(db, resources));
  provider.use(devicePolling(opts.devicePollIntervalSeconds ?? 5));
  keepUntrustedErrorsHere(provider);
  provider.on('server_error', (_ctx, err) => log.error({ err: errorMessage(err) }, 'oauth: server error'));
  provider.on('grant.revoked', (_ctx, grantId) => log.info({ grantId }, 'oauth: grant revoked'));

  const callback = provider.callback();
  const interactionDeps = { provider, db, issuer, resources, log };
  let closed = false;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', issuer);
    const interaction = INTERACTION_PATH.exec(url.pathname);
    if (interaction) {
      const action = interaction[2] as 'status' | 'continue' | undefined;
      return handleInteraction(interactionDeps, req, res, interaction[1] as string, action);
    }
    if (url.pathname === '/oauth/device' || (url.pathname === '/oauth/approve' && req.method === 'GET')) {
      // The device flow's verification_uri and the approval QR code's link. Codes are approved
      // from a device already signed in, never in this browser, so the provider's own verification
      // form (which would lead to a sign-in here) is not served: this page says where to approve.
      const code = url.searchParams.get('user_code') ?? url.searchParams.get('code');
      return sendPage(res, 200, await deviceVerificationPage(issuer, code ? formatUserCode(code) : undefined));
    }
    // RFC 8414 metadata is the same document as OpenID discovery. An absolute request target
    // (GET http://elsewhere/...) is reduced to its path: Koa would build the provider's URLs from it.
    req.url = (url.pathname === WELL_KNOWN_OAUTH ? WELL_KNOWN_OIDC : url.pathname) + url.search;
    callback(req, res);
  }

  async function verifyAccessToken(token: string, resource: string): Promise<AccessClaims> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource, typ: 'at+jwt', algorithms: [SIGNING_ALG] }));
    } catch (err) {
      throw new AppError('unauthorized', `invalid access token: ${errorMessage(err)}`);
    }
    const { tenant, device, client_id: clientId, grant_id: grantId, scope, jti, exp } = payload;
    if (typeof tenant !== 'string' || typeof device !== 'string' || typeof clientId !== 'string' || typeof grantId !== 'string' || !jti || !exp)
      throw new AppError('unauthorized', 'access token lacks tenant, device, client_id, grant_id, jti or exp');
    // A revoked device's tokens, and those of a revoked grant (reused refresh token, logout), stop
    // at once, not when they expire.
    const row = await findTokenHolder(db, device, grantId);
    if (row?.status !== 'active' || row.tenant_id !== tenant)
      throw new AppError('unauthorized', 'the device of this access token is revoked or unknown');
    if (!row.grant_live) throw new AppError('unauthorized', 'the grant of this access token was revoked');
    return {
      tenantId: tenant,
      deviceId: device,
      clientId,
      scopes: typeof scope === 'string' ? scope.split(' ').filter(Boolean) : [],
      vaultMode: payload.vault_mode === 'e2e' ? 'e2e' : 'server',
      jti,
      expiresAt: new Date(exp * 1000),
    };
  }

  async function issueTokens(input: {
    tenantId: string;
    deviceId: string;
    clientId: string;
    scope: string;
    resource: string;
  }): Promise<IssuedTokens> {
    if (input.resource !== resources.api && input.resource !== resources.mcp)
      throw new AppError('bad_request', `unknown resource ${input.resource}`);
    const device = await findDevice(db, input.deviceId);
    if (device?.status !== 'active' || device.tenant_id !== input.tenantId)
      throw new AppError('device.not_found', 'no active device with this id in this tenant');
    const client = await provider.Client.find(input.clientId);
    if (!client) throw new AppError('bad_request', `unknown client ${input.clientId}`);
    if (!client.grantTypeAllowed('refresh_token'))
      throw new AppError('bad_request', `client ${input.clientId} may not hold refresh tokens`);

    // The same models the token endpoint builds (lib/helpers/grant_common.js), minus the request.
    const grantId = await saveGrant(provider, {
      accountId: input.deviceId,
      clientId: input.clientId,
      scope: input.scope,
      // First-party devices may hold tokens for both the API and the MCP endpoint (refresh picks one).
      resources: [resources.api, resources.mcp],
    });
    const { oidc, vault } = splitScope(input.scope);
    const at = new provider.AccessToken({ accountId: input.deviceId, client, grantId, gty: ISSUE_GTY });
    at.resourceServer = new provider.ResourceServer(input.resource, resourceServerInfo(input.resource, opts.accessTokenTtlSeconds));
    at.scope = vault.join(' ');
    const accessToken = await at.save();
    const rt = new provider.RefreshToken({
      accountId: input.deviceId,
      client,
      grantId,
      gty: ISSUE_GTY,
      scope: [...oidc, ...vault].join(' '),
      // Refreshable for either audience, like the grant; without a resource parameter, the API.
      resource: [resources.api, resources.mcp],
      rotations: 0,
      authTime: Math.floor(Date.now() / 1000),
    });
    const refreshToken = await rt.save();
    return {
      access_token: accessToken,
      refresh_token: refreshToken,
      token_type: 'Bearer',
      expires_in: at.expiration,
      scope: at.scope,
    };
  }

  async function settle(approval: PendingApproval, decision: ApprovalDecision): Promise<void> {
    // A browser sign-in finishes in the browser (/oauth/interaction/:uid/continue reads the row).
    if (approval.kind === 'interaction') return;
    const code = await provider.DeviceCode.findByUserCode(approval.userCode.toUpperCase().replace(/\W/g, ''));
    if (!code || code.isExpired || code.accountId || code.error)
      throw new AppError('approval.not_found', 'no pending device authorization for this code');
    if (!decision.approve) {
      code.error = 'access_denied';
      code.errorDescription = 'the sign-in was denied';
      await code.save();
      return;
    }
    const clientId = code.clientId as string;
    const scope = typeof code.params?.scope === 'string' ? code.params.scope : (approval.scope ?? '');
    const resource = requestedResources(code.params?.resource, resources.api);
    code.grantId = await saveGrant(provider, { accountId: decision.deviceId, clientId, scope, resources: resource });
    code.accountId = decision.deviceId;
    code.authTime = Math.floor(Date.now() / 1000);
    code.scope = scope;
    code.resource = resource.length === 1 ? resource[0] : resource;
    await code.save();
  }

  async function revokeDevice(deviceId: string): Promise<void> {
    const rows = await db.query<{ grant_id: string }>(
      `SELECT DISTINCT grant_id FROM oauth_models WHERE grant_id IS NOT NULL AND payload->>'accountId' = $1`,
      [deviceId],
    );
    await revokeGrants(
      db,
      rows.map((r) => r.grant_id),
    );
    // Its browser sessions too, so no authorization request silently reuses it.
    await db.query(`DELETE FROM oauth_models WHERE model = 'Session' AND payload->>'accountId' = $1`, [deviceId]);
  }

  return {
    issuer,
    resources,
    issueTokens,
    settle,
    verifyAccessToken,
    revokeDevice,
    handles: (pathname) => pathname.startsWith('/oauth/') || pathname === WELL_KNOWN_OIDC || pathname === WELL_KNOWN_OAUTH,
    handle(req, res) {
      if (closed) return sendPage(res, 503, messagePage('Unavailable', 'The server is shutting down.'));
      route(req, res).catch((err: unknown) => {
        log.error({ err: errorMessage(err), url: req.url }, 'oauth: request failed');
        if (!res.headersSent) sendPage(res, 500, messagePage('Error', 'The request failed.'));
        else res.end();
      });
    },
    async close() {
      closed = true;
    },
  };
}
