import { readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DEVICE_KINDS, type DeviceKind, RegisterStartResult, RegisterVerifyBody, RegisterVerifyResult } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { z } from 'zod';
import { registrationMessage, signEd25519 } from '../../../domain/ed25519.js';
import { AppError } from '../../../domain/errors.js';
import { type CommandFactory, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { credentialFrom, saveCredential, serverKey, writePrivateJson } from '../credentials.js';
import { deviceKeyPath, loadOrCreateDeviceKey, readDeviceKey } from '../device-key.js';
import { examples, json } from '../format.js';
import { ask, canPrompt } from '../prompt.js';
import { apiRequest } from '../server-api.js';

interface RegisterOptions {
  email?: string;
  name?: string;
  kind: DeviceKind;
  code?: string;
  startOnly?: boolean;
  registration?: string;
  json?: boolean;
}

// A started registration waits here for its code: finishing needs the challenge the server gave,
// and the e-mail may take a while (or arrive on another screen).
const Pending = RegisterStartResult.extend({ server: z.string() });
type Pending = z.infer<typeof Pending>;
const pendingPath = (dataDir: string) => join(dataDir, 'registration.json');

/** `p8fs register`: the first device of an account, by e-mail code and key proof. */
export const registerCommand: CommandFactory = (io) =>
  new Command('register')
    .summary('register this device with a server by e-mail')
    .description(
      "Register this device with a p8fs server (--server): its Ed25519 key (<dataDir>/device.key, created when missing) " +
        'goes with your e-mail address, the server e-mails a 6-digit code, and the code with a signature over the ' +
        "server's challenge creates your account (or adds this device to it). The sign-in is stored in " +
        '<dataDir>/credentials.json. Without a terminal to type the code in: --start-only, then --code CODE',
    )
    .option('--email <address>', 'your e-mail address: the code goes there')
    .option('--name <name>', "this device's name in `p8fs devices ls` (default: this machine's host name)")
    .addOption(new Option('--kind <kind>', 'what kind of device this is').choices(DEVICE_KINDS).default('cli'))
    .option('--start-only', 'start, print {registration_id, challenge, expires_at} and stop; finish with --code')
    .option('--code <code>', 'the 6-digit code from the e-mail: finishes the registration this data dir started')
    .option('--registration <id>', 'with --code: the registration to finish (checked against the started one)')
    .option('--json', 'print {server, tenant_id, device_id} when registered')
    .addHelpText(
      'after',
      examples(
        'p8fs register --server https://vault.example.com --email alice@example.com',
        'p8fs register --server http://127.0.0.1:8808 --email alice@example.com --start-only',
        'p8fs register --server http://127.0.0.1:8808 --registration 6f1c… --code 123456',
      ),
    )
    .action(async (opts: RegisterOptions, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      if (!config.server) throw new AppError('bad_request', 'register needs --server URL (or P8FS_SERVER)');
      const server = serverKey(config.server);
      const finishing = opts.code !== undefined || opts.registration !== undefined;
      if (opts.startOnly && finishing) throw new AppError('bad_request', '--start-only starts a registration and --code finishes one: use one of them');
      // Checked before anything is sent: no e-mail goes out for a code nobody could type in.
      if (opts.code === undefined && !opts.startOnly && !canPrompt())
        throw new AppError('bad_request', 'no terminal to type the code in: use --start-only, then --code CODE from the e-mail');

      let pending: Pending;
      if (finishing) pending = readPending(config.dataDir, server, opts.registration);
      else {
        if (!opts.email) throw new AppError('bad_request', 'register needs --email ADDRESS (or --code CODE to finish a started registration)');
        const { key, created } = loadOrCreateDeviceKey(config.dataDir);
        if (created) io.err(`p8fs: created this device's key in ${deviceKeyPath(config.dataDir)}\n`);
        const started = await apiRequest(server, 'POST', '/api/v1/auth/register', RegisterStartResult, {
          json: { email: opts.email, public_key: key.publicKey, device_name: opts.name ?? hostname(), device_kind: opts.kind },
        });
        pending = { ...started, server };
        writePrivateJson(pendingPath(config.dataDir), pending);
        io.err(`p8fs: a 6-digit code was e-mailed to ${opts.email}\n`);
        if (opts.startOnly) {
          io.out(json(started));
          return;
        }
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
      const out = { server, tenant_id: result.tenant_id, device_id: result.device_id };
      io.out(opts.json ? json(out) : `registered device ${out.device_id} (account ${out.tenant_id}) at ${server}; signed in\n`);
    });

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
    throw new AppError('not_found', `no started ${which} with ${server} in this data dir: start with p8fs register --email ADDRESS --start-only`);
  }
  return pending;
}
