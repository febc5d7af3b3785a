import { DEVICE_KINDS, type DeviceKind } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { newRecoveryPhrase } from '../../../domain/e2e/recovery.js';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { E2E_WARNING, vaultKeysFor } from '../e2e.js';
import { examples, json } from '../format.js';
import type { CliIo } from '../io.js';
import { ask, canPrompt } from '../prompt.js';
import { runRegistration } from '../registration-flow.js';

interface RegisterOptions {
  email?: string;
  name?: string;
  kind: DeviceKind;
  code?: string;
  startOnly?: boolean;
  registration?: string;
  json?: boolean;
  e2e?: boolean;
  yes?: boolean;
}

/** `p8fs register`: the first device of an account, by e-mail code and key proof; --e2e makes the vault end-to-end. */
export const registerCommand: CommandFactory = (io) =>
  new Command('register')
    .summary('register this device with a server by e-mail')
    .description(
      "Register this device with a p8fs server (--server): its Ed25519 key (<dataDir>/device.key, created when missing) " +
        'goes with your e-mail address, the server e-mails a 6-digit code, and the code with a signature over the ' +
        "server's challenge creates your account (or adds this device to it). The sign-in is stored in " +
        '<dataDir>/credentials.json. Without a terminal to type the code in: --start-only, then --code CODE. ' +
        'With --e2e the new account\'s vault is end-to-end encrypted: the keys stay on your devices, the server relays ' +
        'ciphertext, this data dir holds the vault (p8fs sync), and a 24-word recovery phrase is shown once',
    )
    .option('--email <address>', 'your e-mail address: the code goes there')
    .option('--name <name>', "this device's name in `p8fs devices ls` (default: this machine's host name)")
    .addOption(new Option('--kind <kind>', 'what kind of device this is').choices(DEVICE_KINDS).default('cli'))
    .option('--e2e', 'create the account with an end-to-end encrypted vault (only for an e-mail without an account)')
    .option('-y, --yes', 'with --e2e: do not ask to confirm the warning (it is still printed)')
    .option('--start-only', 'start, print {registration_id, challenge, expires_at} and stop; finish with --code')
    .option('--code <code>', 'the 6-digit code from the e-mail: finishes the registration this data dir started')
    .option('--registration <id>', 'with --code: the registration to finish (checked against the started one)')
    .option('--json', 'print {server, tenant_id, device_id, vault_mode} when registered; an E2E vault adds {recovery_phrase, vault_fingerprint}')
    .addHelpText(
      'after',
      examples(
        'p8fs register --server https://vault.example.com --email alice@example.com',
        'p8fs register --server https://vault.example.com --email alice@example.com --e2e',
        'p8fs register --server http://127.0.0.1:8808 --email alice@example.com --e2e --start-only',
        'p8fs register --server http://127.0.0.1:8808 --registration 6f1c… --code 123456 --json',
      ),
    )
    .action(async (opts: RegisterOptions, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const starting = opts.code === undefined && opts.registration === undefined;
      if (opts.e2e && starting) await warnE2e(io, opts.yes ?? false);
      const outcome = await runRegistration(config, io, { ...opts, mode: opts.e2e ? 'e2e' : undefined });
      if (outcome.step === 'started') {
        io.out(json(outcome.started));
        return;
      }
      const { server, result } = outcome;
      const out = { server, tenant_id: result.tenant_id, device_id: result.device_id, vault_mode: result.vault_mode };
      if (result.vault_mode !== 'e2e') {
        io.out(opts.json ? json(out) : `registered device ${out.device_id} (account ${out.tenant_id}) at ${server}; signed in\n`);
        return;
      }
      const { keys } = vaultKeysFor(config, server, io);
      keys.bind(server, result.tenant_id, result.device_id);
      if (outcome.mode !== 'e2e') {
        // An e-mail sign-in to an existing E2E vault: the device joins, but only the phrase (or an approval) brings keys.
        await keys.refresh();
        const hint = 'this account\'s vault is end-to-end encrypted and this device has no keys: restore them with p8fs recover (the recovery phrase)';
        io.out(opts.json ? json({ ...out, vault_fingerprint: keys.binding()?.fingerprint ?? null }) : `registered device ${out.device_id} at ${server}; ${hint}\n`);
        return;
      }
      const phrase = newRecoveryPhrase();
      const fingerprint = await keys.create(phrase);
      if (opts.json) io.out(json({ ...out, recovery_phrase: phrase, vault_fingerprint: fingerprint }));
      else {
        io.out(
          `registered device ${out.device_id} (end-to-end vault ${out.tenant_id}) at ${server}; signed in\n\n` +
            `Recovery phrase (shown only this once; write it down and keep it apart from your devices):\n\n    ${phrase}\n\n` +
            `vault fingerprint: ${fingerprint}\n` +
            'This data dir now holds the vault: ingest, search and use p8fs mcp here, and p8fs sync to share it with your other devices.\n',
        );
      }
    });

/** Say what an E2E vault means before anything is sent, and ask when there is a person to ask. */
async function warnE2e(io: CliIo, yes: boolean): Promise<void> {
  io.err(`${E2E_WARNING}\n`);
  if (yes || !canPrompt()) return;
  if (!/^y(es)?$/i.test(await ask('Create an end-to-end vault? [y/N] '))) throw new AppError('bad_request', 'nothing was registered');
}
