import { randomBytes } from 'node:crypto';
import { ApprovalDecisionResult, ApprovalDto, DeviceDto } from '@p8fs/contracts';
import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import type { Config } from '../../../config/schema.js';
import { approvalMessage, normalizeUserCode, signEd25519 } from '../../../domain/ed25519.js';
import { normalizeFingerprint } from '../../../domain/e2e/fingerprints.js';
import { AppError, isAppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { describeApproval } from './approve-prompt.js';
import { cliContext } from '../context.js';
import { signedIn } from '../credentials.js';
import { deviceKeyPath, readDeviceKey } from '../device-key.js';
import { e2eServer, isE2eReplica, vaultKeysFor } from '../e2e.js';
import { examples, json } from '../format.js';
import type { CliIo } from '../io.js';
import { ask, canPrompt } from '../prompt.js';
import { apiRequest } from '../server-api.js';
import { localOwnerToken } from '../vault/remote.js';

interface ApproveOptions {
  deny?: boolean;
  yes?: boolean;
  json?: boolean;
  fingerprint?: string;
}

/** How long the approving device of an E2E vault waits for the new device to publish its key. */
const KEY_WAIT_MS = 5 * 60_000;

/** `p8fs approve CODE`: let a new device or a browser sign in to your account, signed with this device's key. */
export const approveCommand: CommandFactory = (io) =>
  new Command('approve')
    .summary('approve (or deny) a sign-in code shown on another device')
    .description(
      'Approve or deny a pending sign-in (the code `p8fs login` or the sign-in page shows) on --server, as this device ' +
        '(without --server: as the owner of the local vault, through the running p8fs serve): ' +
        'the decision is signed with its key (<dataDir>/device.key), so only a device registered with a key can approve. ' +
        'Shows what is asked and asks to confirm; --yes skips that (needed without a terminal). ' +
        'On a device of an end-to-end vault, approving a new device also shares the vault keys with it: once it has ' +
        'published its key, its fingerprint is shown (the new device shows the same) and must be confirmed, or given ' +
        'with --fingerprint; a mismatch shares nothing and revokes the new device (a server substituting its own key)',
    )
    .argument('<code>', 'the code to approve, e.g. WDJB-MJHT (case and dashes do not matter)')
    .option('--deny', 'refuse the sign-in instead')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--fingerprint <code>', 'end-to-end vaults: the key fingerprint the new device shows (XXXX-XXXX-XXXX-XXXX); without it you are asked to compare')
    .option('--json', 'print {user_code, status, device_id}; an end-to-end vault adds {fingerprint, vault_fingerprint}')
    .addHelpText('after', examples(
      'p8fs approve WDJB-MJHT --server https://vault.example.com',
      'p8fs approve wdjbmjht --yes',
      'p8fs approve WDJB-MJHT --deny --yes',
      'p8fs approve WDJB-MJHT --yes --fingerprint 7Q2M-K9XD-3RTA-W1NB   # an end-to-end vault, from a script',
    ))
    .action(async (rawCode: string, opts: ApproveOptions, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const code = normalizeUserCode(rawCode);
      if (!code) throw new AppError('bad_request', 'the code has no letters or digits');
      // Checked before asking anything: without a key this device cannot sign the decision.
      const key = readDeviceKey(config.dataDir);
      if (!key) throw new AppError('bad_request', `no device key in ${deviceKeyPath(config.dataDir)}: only a device registered with p8fs register can approve`);
      const { server, token } = await approver(config);

      const request = await apiRequest(server, 'GET', `/api/v1/approvals/${encodeURIComponent(code)}`, ApprovalDto, { token });
      const verb = opts.deny ? 'deny' : 'approve';
      io.err(describeApproval(request));
      // An end-to-end vault's new CLI device gets the vault keys too: that needs a fingerprint to compare, asked before deciding.
      const shareKeys = !opts.deny && request.kind === 'device_code' && request.verified && isE2eReplica({ dataDir: config.dataDir, server });
      const expected = opts.fingerprint === undefined ? null : normalizeFingerprint(opts.fingerprint);
      if (opts.fingerprint !== undefined && !expected) throw new AppError('bad_request', `--fingerprint ${opts.fingerprint} is not a fingerprint (XXXX-XXXX-XXXX-XXXX)`);
      if (shareKeys && !expected && !canPrompt()) {
        throw new AppError('bad_request', `this vault is end-to-end encrypted: add --fingerprint with the code the new device shows (p8fs login prints it) to ${verb} ${code}`);
      }
      if (!opts.yes) {
        if (!canPrompt()) throw new AppError('bad_request', `no terminal to confirm on: add --yes to ${verb} ${code}`);
        if (!/^y(es)?$/i.test(await ask(`${verb} it? [y/N] `))) throw new AppError('bad_request', 'nothing was decided');
      }

      // The nonce makes this signature good for one decision only.
      const nonce = randomBytes(18).toString('base64url');
      const approve = !opts.deny;
      const result = await apiRequest(server, 'POST', '/api/v1/approvals', ApprovalDecisionResult, {
        token,
        json: { user_code: code, approve, nonce, signature: signEd25519(key.privateKey, approvalMessage(code, nonce, approve)) },
      });
      if (!shareKeys || result.status !== 'approved' || !result.device_id) {
        if (opts.json) io.out(json(result));
        else io.out(result.status === 'approved' ? `approved ${result.user_code}: new device ${result.device_id}\n` : `denied ${result.user_code}\n`);
        return;
      }
      const shared = await shareVaultKeys(io, config, server, token, result.device_id, expected);
      if (opts.json) io.out(json({ ...result, ...shared }));
      else io.out(`approved ${result.user_code}: new device ${result.device_id}, vault keys shared (vault fingerprint ${shared.vault_fingerprint})\n`);
    });

/**
 * Share the vault keys with a device just approved: wait for its published key, compare its
 * fingerprint (given, or asked), and wrap every epoch's key to it. On a mismatch nothing is shared
 * and the device is revoked at once: someone (the server?) put another key in its place.
 */
async function shareVaultKeys(io: CliIo, config: Config, server: string, token: string, deviceId: string, expected: string | null) {
  const { keys } = vaultKeysFor(config, server, io);
  io.err('p8fs: waiting for the new device to publish its key…\n');
  const publicKey = await keys.awaitDeviceKey(deviceId, KEY_WAIT_MS);
  try {
    const { fingerprint } = await keys.grant(deviceId, publicKey, async (fp) => {
      if (expected) return fp === expected;
      io.err(`\nThe new device's key fingerprint is\n\n    ${fp}\n\n`);
      return /^y(es)?$/i.test(await ask('Does the new device show exactly this fingerprint? [y/N] '));
    });
    return { fingerprint, vault_fingerprint: keys.binding()?.fingerprint ?? null };
  } catch (err) {
    if (!isAppError(err, 'e2e.fingerprint_mismatch')) throw err;
    await apiRequest(server, 'DELETE', `/api/v1/devices/${encodeURIComponent(deviceId)}`, DeviceDto, { token });
    throw new AppError('e2e.fingerprint_mismatch', `${err.message}; the new device was revoked`);
  }
}

/**
 * Who approves: the signed-in device on --server, or, with no --server, the owner of the local data
 * dir through the server that holds it (its owner device carries this machine's key).
 */
async function approver(config: Config): Promise<{ server: string; token: string }> {
  if (config.server) return signedIn(config);
  // A device of an end-to-end vault approves on that vault's server.
  const e2e = e2eServer(config);
  if (e2e) return signedIn({ ...config, server: e2e });
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (!holder?.url) throw new AppError('bad_request', 'no --server given and no local p8fs serve is running on this data dir');
  return { server: holder.url, token: (await localOwnerToken(holder.url, config.dataDir)).access_token };
}
