import { readFileSync } from 'node:fs';
import { DEVICE_KINDS, type DeviceKind } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { AppError, errorMessage } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { readCredentials, serverKey } from '../credentials.js';
import { vaultKeysFor } from '../e2e.js';
import { examples, json } from '../format.js';
import { ask, canPrompt } from '../prompt.js';
import { runRegistration } from '../registration-flow.js';

interface RecoverOptions {
  email?: string;
  name?: string;
  kind: DeviceKind;
  code?: string;
  startOnly?: boolean;
  registration?: string;
  phraseFile?: string;
  json?: boolean;
}

/** `p8fs recover`: restore an end-to-end vault on a fresh device from its recovery phrase. */
export const recoverCommand: CommandFactory = (io) =>
  new Command('recover')
    .summary('restore an end-to-end vault on this device with the recovery phrase')
    .description(
      'Restore an end-to-end vault on this device from its 24-word recovery phrase, when no other device can approve it ' +
        '(lost, or revoked). The device signs in by e-mail first (like p8fs register: --email, or --start-only then --code), ' +
        'unless it is signed in to --server already; then the phrase opens the vault keys the server keeps wrapped for it, ' +
        'and the device wraps them to its own key. Run p8fs sync afterwards to fetch the vault. A wrong phrase changes nothing. ' +
        'The phrase is read from --phrase-file (- for stdin) or asked on the terminal, never taken as an argument',
    )
    .option('--email <address>', 'the vault\'s e-mail address: a sign-in code goes there')
    .option('--name <name>', "this device's name in `p8fs devices ls` (default: this machine's host name)")
    .addOption(new Option('--kind <kind>', 'what kind of device this is').choices(DEVICE_KINDS).default('cli'))
    .option('--start-only', 'start the e-mail sign-in, print {registration_id, challenge, expires_at} and stop; finish with --code')
    .option('--code <code>', 'the 6-digit code from the e-mail: finishes the sign-in this data dir started, then recovers')
    .option('--registration <id>', 'with --code: the registration to finish')
    .option('--phrase-file <path>', 'read the recovery phrase from this file (- for stdin)')
    .option('--json', 'print {server, tenant_id, device_id, vault_fingerprint, epochs}')
    .addHelpText(
      'after',
      examples(
        'p8fs recover --server https://vault.example.com --email alice@example.com',
        'p8fs recover --server https://vault.example.com --email alice@example.com --start-only',
        'p8fs recover --server https://vault.example.com --code 123456 --phrase-file phrase.txt --json',
        'p8fs sync',
      ),
    )
    .action(async (opts: RecoverOptions, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      if (!config.server) throw new AppError('bad_request', 'recover needs --server URL (or P8FS_SERVER)');
      const server = serverKey(config.server);
      // Checked first: nothing is sent when the phrase cannot be read.
      if (!opts.startOnly && !opts.phraseFile && !canPrompt()) {
        throw new AppError('bad_request', 'no terminal to type the recovery phrase in: use --phrase-file PATH (or - for stdin)');
      }
      let who = readCredentials(config.dataDir)[server];
      if (!who?.device_id || !who.tenant_id || opts.code !== undefined || opts.startOnly) {
        const outcome = await runRegistration(config, io, opts);
        if (outcome.step === 'started') {
          io.out(json(outcome.started));
          return;
        }
        if (outcome.result.vault_mode !== 'e2e') throw new AppError('e2e.not_enabled', 'this account\'s vault is not end-to-end encrypted: there is nothing to recover (the device is signed in)');
        who = readCredentials(config.dataDir)[server];
      }
      if (!who?.device_id || !who.tenant_id) throw new AppError('unauthorized', `not signed in to ${server}`);
      const phrase = opts.phraseFile ? readPhrase(opts.phraseFile) : await ask('recovery phrase (24 words): ');
      const { keys } = vaultKeysFor(config, server, io);
      keys.bind(server, who.tenant_id, who.device_id);
      const { fingerprint, epochs } = await keys.recover(phrase);
      const out = { server, tenant_id: who.tenant_id, device_id: who.device_id, vault_fingerprint: fingerprint, epochs };
      io.out(opts.json ? json(out) : `recovered the keys of end-to-end vault ${who.tenant_id} (vault fingerprint ${fingerprint}, ${epochs} key epoch${epochs === 1 ? '' : 's'}): run p8fs sync\n`);
    });

function readPhrase(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8');
  } catch (err) {
    throw new AppError('bad_request', `cannot read the recovery phrase from ${path}: ${errorMessage(err)}`);
  }
}
