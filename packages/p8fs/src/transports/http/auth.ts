import type { Context } from 'hono';
import { type Actor, actorFromClaims } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { AuthorizationServer } from '../../ports/authorization-server.js';
import { type AccessTokensService, isAccessToken } from '../../services/auth/access-tokens.js';
import type { ActorResolver } from './middleware.js';
import type { HttpEnv } from './route-spec.js';

export interface BearerOptions {
  /** Verifies personal access tokens (`p8pat_…`); without it only JWTs are accepted. */
  accessTokens?: AccessTokensService | undefined;
  /** Development mode: a request with no Authorization header acts as the owner (never in production). */
  devOwner?: Actor | undefined;
}

/**
 * The actor of an API request from its bearer token (RFC 6750): a JWT the authorization server
 * signed for the API resource (RFC 8707 audience), whose device is still active (verifyAccessToken
 * checks the device row, so a revoked device loses access at once), or a personal access token
 * for the API audience. Anything else is 401 with a WWW-Authenticate header pointing at the
 * protected-resource metadata (RFC 9728).
 */
export function bearerActor(auth: AuthorizationServer, opts: BearerOptions = {}): ActorResolver {
  return async (c: Context<HttpEnv>): Promise<Actor> => {
    const header = c.req.header('authorization');
    if (header === undefined && opts.devOwner) return opts.devOwner;
    const token = bearerToken(header);
    if (token === undefined) {
      throw new AppError('unauthorized', header === undefined ? 'sign in: send Authorization: Bearer <access token>' : 'malformed Authorization header: expected Bearer <token>', {
        challenge: challenge(auth, null),
      });
    }
    try {
      if (opts.accessTokens && isAccessToken(token)) return await opts.accessTokens.verify(token, 'api');
      return actorFromClaims(await auth.verifyAccessToken(token, auth.resources.api));
    } catch (err) {
      throw new AppError('unauthorized', `invalid access token: ${(err as Error).message}`, { challenge: challenge(auth, 'invalid_token') });
    }
  };
}

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 b64token), or undefined. */
export const bearerToken = (header: string | undefined): string | undefined => /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(header ?? '')?.[1];

/** The RFC 9728 metadata URL for a resource path ('' for the API, '/api/mcp' for MCP). */
export const resourceMetadataUrl = (issuer: string, path = ''): string => `${issuer}/.well-known/oauth-protected-resource${path}`;

function challenge(auth: AuthorizationServer, error: string | null): string {
  const parts = [`resource_metadata="${resourceMetadataUrl(auth.issuer)}"`];
  if (error) parts.push(`error="${error}"`);
  return `Bearer ${parts.join(', ')}`;
}
