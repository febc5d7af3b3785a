import { randomBytes } from 'node:crypto';
import { ApprovalDecisionResult, ApprovalDto } from '@p8fs/contracts';
import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import type { Config } from '../../../config/schema.js';
import { approvalMessage, normalizeUserCode, signEd25519 } from '../../../domain/ed25519.js';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { signedIn } from '../credentials.js';
import { deviceKeyPath, readDeviceKey } from '../device-key.js';
import { examples, json } from '../format.js';
import { ask, canPrompt } from '../prompt.js';
import { apiRequest } from '../server-api.js';
import { localOwnerToken } from '../vault/remote.js';

interface ApproveOptions {
  deny?: boolean;
  yes?: boolean;
  json?: boolean;
}

/** `p8fs approve CODE`: let a new device or a browser sign in to your account, signed with this device's key. */
export const approveCommand: CommandFactory = (io) =>
  new Command('approve')
    .summary('approve (or deny) a sign-in code shown on another device')
    .description(
      'Approve or deny a pending sign-in (the code `p8fs login` or the sign-in page shows) on --server, as this device ' +
        '(without --server: as the owner of the local vault, through the running p8fs serve): ' +
        'the decision is signed with its key (<dataDir>/device.key), so only a device registered with a key can approve. ' +
        'Shows what is asked and asks to confirm; --yes skips that (needed without a terminal)',
    )
    .argument('<code>', 'the code to approve, e.g. WDJB-MJHT (case and dashes do not matter)')
    .option('--deny', 'refuse the sign-in instead')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--json', 'print {user_code, status, device_id}')
    .addHelpText('after', examples('p8fs approve WDJB-MJHT --server https://vault.example.com', 'p8fs approve wdjbmjht --yes', 'p8fs approve WDJB-MJHT --deny --yes'))
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
      io.err(
        `${request.client_name ?? request.client_id ?? 'a client'} asks to sign in to your account` +
          `${request.scope ? ` with ${request.scope}` : ''} (code ${request.user_code}, expires ${request.expires_at})\n`,
      );
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
      if (opts.json) io.out(json(result));
      else io.out(result.status === 'approved' ? `approved ${result.user_code}: new device ${result.device_id}\n` : `denied ${result.user_code}\n`);
    });

/**
 * Who approves: the signed-in device on --server, or, with no --server, the owner of the local data
 * dir through the server that holds it (its owner device carries this machine's key).
 */
async function approver(config: Config): Promise<{ server: string; token: string }> {
  if (config.server) return signedIn(config);
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (!holder?.url) throw new AppError('bad_request', 'no --server given and no local p8fs serve is running on this data dir');
  return { server: holder.url, token: (await localOwnerToken(holder.url, config.dataDir)).access_token };
}
