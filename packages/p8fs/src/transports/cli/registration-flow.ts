import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type DeviceKind, RegisterStartResult, RegisterVerifyBody, RegisterVerifyResult, VaultMode } from '@p8fs/contracts';
import { z } from 'zod';
import type { Config } from '../../config/schema.js';
import { registrationMessage, signEd25519 } from '../../domain/ed25519.js';
import { AppError } from '../../domain/errors.js';
import { parseInput } from './command.js';
import { credentialFrom, saveCredential, serverKey, writePrivateJson } from './credentials.js';
import { deviceKeyPath, loadOrCreateDeviceKey, readDeviceKey } from './device-key.js';
import type { CliIo } from './io.js';
import { ask, canPrompt } from './prompt.js';
import { apiRequest } from './server-api.js';

// The e-mail registration of a device, in one go or in two steps (--start-only, then --code): what
// `p8fs register` and `p8fs recover` (which signs a fresh device in before restoring its keys) share.

export interface RegistrationInput {
  email?: string | undefined;
  name?: string | undefined;
  kind: DeviceKind;
  code?: string | undefined;
  startOnly?: boolean | undefined;
  registration?: string | undefined;
  /** Asked for when this registration creates the account. */
  mode?: VaultMode | undefined;
}

/** Either the first step was all that was asked (--start-only), or the device is registered and signed in. */
export type RegistrationOutcome =
  | { step: 'started'; started: RegisterStartResult }
  | { step: 'registered'; server: string; result: RegisterVerifyResult; mode: VaultMode | undefined };

// A started registration waits here for its code: finishing needs the challenge the server gave,
// and the e-mail may take a while (or arrive on another screen).
const Pending = RegisterStartResult.extend({ server: z.string(), mode: VaultMode.optional() });
type Pending = z.infer<typeof Pending>;
const pendingPath = (dataDir: string) => join(dataDir, 'registration.json');

/** Run the registration the options ask for: start it, finish it with a code, or both. */
export async function runRegistration(config: Config, io: CliIo, opts: RegistrationInput): Promise<RegistrationOutcome> {
  if (!config.server) throw new AppError('bad_request', 'this needs --server URL (or P8FS_SERVER)');
  const server = serverKey(config.server);
  const finishing = opts.code !== undefined || opts.registration !== undefined;
  if (opts.startOnly && finishing) throw new AppError('bad_request', '--start-only starts a registration and --code finishes one: use one of them');
  // Checked before anything is sent: no e-mail goes out for a code nobody could type in.
  if (opts.code === undefined && !opts.startOnly && !canPrompt())
    throw new AppError('bad_request', 'no terminal to type the code in: use --start-only, then --code CODE from the e-mail');

  let pending: Pending;
  if (finishing) pending = readPending(config.dataDir, server, opts.registration);
  else {
    if (!opts.email) throw new AppError('bad_request', 'this needs --email ADDRESS (or --code CODE to finish a started registration)');
    const { key, created } = loadOrCreateDeviceKey(config.dataDir);
    if (created) io.err(`p8fs: created this device's key in ${deviceKeyPath(config.dataDir)}\n`);
    const started = await apiRequest(server, 'POST', '/api/v1/auth/register', RegisterStartResult, {
      json: { email: opts.email, public_key: key.publicKey, device_name: opts.name ?? hostname(), device_kind: opts.kind, ...(opts.mode ? { mode: opts.mode } : {}) },
    });
    pending = { ...started, server, ...(opts.mode ? { mode: opts.mode } : {}) };
    writePrivateJson(pendingPath(config.dataDir), pending);
    io.err(`p8fs: a 6-digit code was e-mailed to ${opts.email}\n`);
    if (opts.startOnly) return { step: 'started', started };
  }

  const code = opts.code ?? (await ask('code from the e-mail: '));
  const key = readDeviceKey(config.dataDir);
  if (!key) throw new AppError('bad_request', `${deviceKeyPath(config.dataDir)} is gone: start the registration again`);
  const body = parseInput(
    RegisterVerifyBody,
    { registration_id: pending.registration_id, code, signature: signEd25519(key.privateKey, registrationMessage(pending.challenge)) },
    'registration',
  );
  const result = await apiRequest(server, 'POST', '/api/v1/auth/register/verify', RegisterVerifyResult, { json: body });
  saveCredential(config.dataDir, server, credentialFrom(result.tokens, { device_id: result.device_id, tenant_id: result.tenant_id }));
  rmSync(pendingPath(config.dataDir), { force: true });
  return { step: 'registered', server, result, mode: pending.mode };
}

/** The registration this data dir started with the same server (and id, when given). */
function readPending(dataDir: string, server: string, id: string | undefined): Pending {
  let pending: Pending | undefined;
  try {
    pending = Pending.parse(JSON.parse(readFileSync(pendingPath(dataDir), 'utf8')));
  } catch {
    pending = undefined;
  }
  if (!pending || pending.server !== server || (id !== undefined && pending.registration_id !== id)) {
    const which = id ? `registration ${id}` : 'registration';
    throw new AppError('not_found', `no started ${which} with ${server} in this data dir: start with --email ADDRESS --start-only`);
  }
  return pending;
}
