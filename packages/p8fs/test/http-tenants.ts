import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { randomBytes } from 'node:crypto';
import { RegisterStartResult, RegisterVerifyResult } from '@p8fs/contracts';
import type { TestSmtp } from '../src/adapters/mailer/test-smtp.fixture.js';
import { approvalMessage, type Ed25519KeyPair, generateEd25519KeyPair, registrationMessage, signEd25519 } from '../src/domain/ed25519.js';

/** A device registered over HTTP, as a phone would: its key pair, tenant and tokens. */
export interface RegisteredDevice {
  keys: Ed25519KeyPair;
  tenantId: string;
  deviceId: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * Register a device by e-mail against a running server: POST register with a fresh key, read the
 * code from the test SMTP inbox, sign the challenge, verify. The inbox is shared: call one at a time.
 */
export async function registerOverHttp(baseUrl: string, smtp: TestSmtp, email: string, deviceName = 'phone', mode?: 'server' | 'e2e'): Promise<RegisteredDevice> {
  const keys = generateEd25519KeyPair();
  const body = { email, public_key: keys.publicKey, device_name: deviceName, device_kind: 'mobile', ...(mode ? { mode } : {}) };
  const started = RegisterStartResult.parse(await postJson(baseUrl, '/api/v1/auth/register', body, 201));
  const mail = await smtp.next();
  const code = /sign-in code is (\d{6})/.exec(mail.raw)?.[1];
  if (!code || !mail.envelopeTo.includes(email)) throw new Error(`no sign-in code for ${email} in the mail`);
  const verified = RegisterVerifyResult.parse(
    await postJson(baseUrl, '/api/v1/auth/register/verify', {
      registration_id: started.registration_id, code, signature: signEd25519(keys.privateKey, registrationMessage(started.challenge)),
    }, 200),
  );
  return {
    keys, tenantId: verified.tenant_id, deviceId: verified.device_id,
    accessToken: verified.tokens.access_token, refreshToken: verified.tokens.refresh_token,
  };
}

/** POST /api/v1/approvals as this device, signing the decision with its key; returns the raw response. */
export function decideOverHttp(baseUrl: string, device: RegisteredDevice, userCode: string, approve: boolean): Promise<Response> {
  const nonce = randomBytes(18).toString('base64url');
  return fetch(`${baseUrl}/api/v1/approvals`, {
    method: 'POST',
    headers: { authorization: `Bearer ${device.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ user_code: userCode, approve, nonce, signature: signEd25519(device.keys.privateKey, approvalMessage(userCode, nonce, approve)) }),
  });
}

async function postJson(baseUrl: string, path: string, body: unknown, expected: number): Promise<unknown> {
  const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const answer = await res.json();
  if (res.status !== expected) throw new Error(`${path}: ${res.status} ${JSON.stringify(answer)}`);
  return answer;
}

/** Register a public OAuth client the way an MCP host does (RFC 7591); returns its client id. */
export async function registerClient(registrationUrl: string, name: string): Promise<string> {
  const res = await fetch(registrationUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: name, redirect_uris: ['http://127.0.0.1:33418/callback'], grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'], token_endpoint_auth_method: 'none',
    }),
  });
  const body = (await res.json()) as { client_id?: string };
  if (res.status !== 201 || !body.client_id) throw new Error(`client registration: ${res.status} ${JSON.stringify(body)}`);
  return body.client_id;
}

/** The MCP SDK client on a Streamable HTTP endpoint with this bearer token. */
export async function connectMcp(endpoint: string, accessToken: string): Promise<Client> {
  const client = new Client({ name: 'p8fs-isolation', version: '0.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { authorization: `Bearer ${accessToken}` } } }));
  return client;
}
