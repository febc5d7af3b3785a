import { timingSafeEqual } from 'node:crypto';
import {
  ApprovalDecisionBody, ApprovalDecisionResult, ApprovalDto, DeviceDto, DeviceList, LocalTokenQuery, RegisterStartBody, RegisterStartResult,
  RegisterVerifyBody, RegisterVerifyResult, RenameDeviceBody, TokenSet,
} from '@p8fs/contracts';
import { z } from 'zod';
import type { App, AuthServices } from '../../../app.js';
import { AppError } from '../../../domain/errors.js';
import { toDeviceDto } from '../../../services/auth/devices.js';
import { ownerTokens } from '../../../services/auth/owner.js';
import { parseWith, readJson } from '../input.js';
import { clientIpOf } from '../rate-limit.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

const ProtectedResource = z.object({
  resource: z.string(),
  authorization_servers: z.array(z.string()),
  scopes_supported: z.array(z.string()),
  bearer_methods_supported: z.array(z.string()),
  resource_name: z.string(),
});

/**
 * Sign-in and devices: e-mail registration of a key-holding device, approvals of new devices and
 * browser sign-ins from a device that has a key, the device list, the owner's local token, and the
 * RFC 9728 metadata that points OAuth clients at the authorization server.
 */
export function authRoutes(app: App, auth: AuthServices, ownerSecret: string | null): RouteSpec[] {
  const { registration, devices, approvals, server } = auth;
  const id = (c: Ctx) => c.req.param('id') ?? '';
  const code = (c: Ctx) => c.req.param('code') ?? '';
  const metadata = (resource: string, name: string) => (c: Ctx) =>
    c.json({
      resource,
      authorization_servers: [server.issuer],
      scopes_supported: ['vault:read', 'vault:write', 'offline_access'],
      bearer_methods_supported: ['header'],
      resource_name: name,
    });
  const localToken = async (c: Ctx) => {
    const given = c.req.header('x-p8fs-owner-secret') ?? '';
    if (ownerSecret === null || !sameSecret(given, ownerSecret)) throw new AppError('unauthorized', 'the owner secret of this data dir is required');
    const { audience } = parseWith(LocalTokenQuery, c.req.query(), 'query');
    return c.json(await ownerTokens(server, app.config.tenantId, auth.ownerDeviceId, audience));
  };

  return [
    {
      method: 'get', path: '/.well-known/oauth-protected-resource', operationId: 'protectedResourceApi', tag: 'auth', public: true,
      summary: 'RFC 9728 metadata of the HTTP API: which authorization server issues its tokens',
      responses: { 200: { description: 'metadata', body: json(ProtectedResource) } }, handler: metadata(server.resources.api, 'P8FS API'),
    },
    {
      method: 'get', path: '/.well-known/oauth-protected-resource/api/mcp', operationId: 'protectedResourceMcp', tag: 'auth', public: true,
      summary: 'RFC 9728 metadata of the MCP endpoint', responses: { 200: { description: 'metadata', body: json(ProtectedResource) } },
      handler: metadata(server.resources.mcp, 'P8FS MCP'),
    },
    {
      method: 'post', path: '/api/v1/auth/register', operationId: 'registerStart', tag: 'auth', public: true,
      summary: 'Start registering a device: e-mails a 6-digit code and returns a challenge to sign',
      body: json(RegisterStartBody), responses: { 201: { description: 'registration started', body: json(RegisterStartResult) } },
      errors: [400, 409, 429],
      handler: async (c) => c.json(await registration.start(parseWith(RegisterStartBody, await readJson(c), 'body'), { clientIp: clientIpOf(c.env) }), 201),
    },
    {
      method: 'post', path: '/api/v1/auth/register/verify', operationId: 'registerVerify', tag: 'auth', public: true,
      summary: 'Finish registering: the e-mailed code and a signature over the challenge; returns tokens',
      body: json(RegisterVerifyBody), responses: { 200: { description: 'the device and its tokens', body: json(RegisterVerifyResult) } },
      errors: [400, 403, 409, 410, 423], handler: async (c) => c.json(await registration.verify(parseWith(RegisterVerifyBody, await readJson(c), 'body'))),
    },
    {
      method: 'post', path: '/api/v1/auth/local-token', operationId: 'localToken', tag: 'auth', public: true,
      summary: "Tokens for the owner's own device, for a caller that proves it can read this server's data dir (X-P8FS-Owner-Secret)",
      query: LocalTokenQuery, responses: { 200: { description: 'tokens (access token for ?audience=api, the default, or mcp)', body: json(TokenSet) } },
      errors: [400, 401], handler: localToken,
    },
    {
      method: 'get', path: '/api/v1/approvals/{code}', operationId: 'getApproval', tag: 'auth',
      summary: 'A request waiting for approval (a new device or a browser sign-in), by its user code',
      params: { code: 'the user code, e.g. WDJB-MJHT' }, responses: { 200: { description: 'the request', body: json(ApprovalDto) } },
      errors: [401, 404], handler: async (c) => c.json(await approvals.get(c.get('actor'), code(c))),
    },
    {
      method: 'post', path: '/api/v1/approvals', operationId: 'decideApproval', tag: 'auth',
      summary: "Approve or deny a request with this device's Ed25519 signature",
      body: json(ApprovalDecisionBody), responses: { 200: { description: 'decided', body: json(ApprovalDecisionResult) } },
      errors: [400, 401, 403, 404, 409], handler: async (c) => c.json(await approvals.decide(c.get('actor'), parseWith(ApprovalDecisionBody, await readJson(c), 'body'))),
    },
    {
      method: 'get', path: '/api/v1/devices', operationId: 'listDevices', tag: 'auth', summary: 'The devices that can act for this vault',
      responses: { 200: { description: 'devices', body: json(DeviceList) } }, errors: [401],
      handler: async (c) => c.json({ devices: (await devices.list(c.get('actor'))).map(toDeviceDto) }),
    },
    {
      method: 'patch', path: '/api/v1/devices/{id}', operationId: 'renameDevice', tag: 'auth', summary: 'Rename a device',
      params: { id: 'device id' }, body: json(RenameDeviceBody), responses: { 200: { description: 'the device', body: json(DeviceDto) } }, errors: [400, 401, 404],
      handler: async (c) => c.json(toDeviceDto(await devices.rename(c.get('actor'), id(c), parseWith(RenameDeviceBody, await readJson(c), 'body').name))),
    },
    {
      method: 'delete', path: '/api/v1/devices/{id}', operationId: 'revokeDevice', tag: 'auth', summary: 'Revoke a device: its tokens stop working at once',
      params: { id: 'device id' }, responses: { 200: { description: 'the revoked device', body: json(DeviceDto) } }, errors: [401, 404],
      handler: async (c) => c.json(toDeviceDto(await devices.revoke(c.get('actor'), id(c)))),
    },
  ];
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
