import { AccessTokenDto, AccessTokenList, CreateAccessTokenBody, CreatedAccessToken } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toAccessTokenDto } from '../../../services/auth/access-tokens.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

const BASE = '/api/v1/tokens';

/**
 * Personal access tokens for MCP hosts and scripts (`p8fs tokens`, the web app). Managing them needs
 * a first-party sign-in (the service checks): a token can never mint or revoke tokens.
 */
export function tokenRoutes(app: App): RouteSpec[] {
  const tokens = app.services.accessTokens;
  const create = async (c: Ctx) => {
    const { token, row } = await tokens.create(c.get('actor'), parseWith(CreateAccessTokenBody, await readJson(c), 'body'));
    return c.json({ ...toAccessTokenDto(row), token }, 201);
  };
  const list = async (c: Ctx) => c.json({ tokens: (await tokens.list(c.get('actor'))).map((r) => toAccessTokenDto(r)) });
  const revoke = async (c: Ctx) => c.json(toAccessTokenDto(await tokens.revoke(c.get('actor'), c.req.param('id') ?? '')));

  return [
    {
      method: 'post', path: BASE, operationId: 'createAccessToken', tag: 'auth',
      summary: 'Create a personal access token for one audience (api or mcp); the token is in this answer only',
      body: json(CreateAccessTokenBody), responses: { 201: { description: 'the token, shown once', body: json(CreatedAccessToken) } },
      errors: [400, 401, 403, 409], handler: create,
    },
    {
      method: 'get', path: BASE, operationId: 'listAccessTokens', tag: 'auth', summary: 'The personal access tokens of this vault, with last use',
      responses: { 200: { description: 'tokens (never their secrets)', body: json(AccessTokenList) } }, errors: [401, 403], handler: list,
    },
    {
      method: 'delete', path: `${BASE}/{id}`, operationId: 'revokeAccessToken', tag: 'auth',
      summary: 'Revoke a personal access token: the next request with it is refused',
      params: { id: 'token id (from the list)' }, responses: { 200: { description: 'the revoked token', body: json(AccessTokenDto) } },
      errors: [401, 403, 404], handler: revoke,
    },
  ];
}
