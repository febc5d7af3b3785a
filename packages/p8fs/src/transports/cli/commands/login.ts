import { FIRST_PARTY_SCOPE } from '@p8fs/contracts';
import { Command } from 'commander';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import QRCode from 'qrcode';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { type AuthServer, CLI_CLIENT, credentialFrom, discover, oauthFailure, saveCredential, serverKey } from '../credentials.js';
import { examples } from '../format.js';
import { deviceFingerprint } from '../../../domain/e2e/fingerprints.js';
import { vaultKeysFor } from '../e2e.js';

const SCOPE = FIRST_PARTY_SCOPE;

/** `p8fs login`: sign this CLI in through a device you already have (RFC 8628 device authorization). */
export const loginCommand: CommandFactory = (io) =>
  new Command('login')
    .summary('sign in by approving a code from another device')
    .description(
      'Sign this CLI in to a p8fs server (--server) with the device authorization grant (RFC 8628): it shows a code, a ' +
        'link and a QR code; approve it from a device already signed in (`p8fs approve CODE`, or the page the link opens) ' +
        'and the tokens are stored in <dataDir>/credentials.json. Waits until approved, denied or expired. ' +
        'For an end-to-end vault it then publishes this device\'s key and waits for the approving device to share the ' +
        'vault keys (after the person compared the key fingerprint both devices show)',
    )
    .option('--json', 'print two JSON lines: {user_code, verification_uri, e2e_fingerprint} at once, then {server, tenant_id, device_id, scope} when signed in (an E2E vault adds vault_mode and vault_fingerprint once its keys arrived)')
    .addHelpText('after', examples('p8fs login --server https://vault.example.com', 'p8fs login --server http://127.0.0.1:8808 --json'))
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      if (!config.server) throw new AppError('bad_request', 'login needs --server URL (or P8FS_SERVER)');
      const server = serverKey(config.server);
      const auth = await discover(server);
      // The key an end-to-end vault would wrap its keys to, made now so its fingerprint can be shown with the code.
      const { keys } = vaultKeysFor(config, server, io);
      const e2eFingerprint = deviceFingerprint(keys.deviceKey().publicKey);
      let start: oauth.DeviceAuthorizationResponse;
      try {
        // Both resources in one grant: API tokens for commands, MCP tokens for `p8fs mcp --server` (by refresh).
        const params = new URLSearchParams({ scope: SCOPE, resource: auth.resource });
        params.append('resource', auth.mcpResource);
        const res = await oauth.deviceAuthorizationRequest(auth.as, CLI_CLIENT, oauth.None(), params, auth.http);
        start = await oauth.processDeviceAuthorizationResponse(auth.as, CLI_CLIENT, res);
      } catch (err) {
        throw oauthFailure(err, `cannot start a sign-in at ${server}`);
      }

      const link = start.verification_uri_complete ?? start.verification_uri;
      if (opts.json) io.out(`${JSON.stringify({ user_code: start.user_code, verification_uri: start.verification_uri, e2e_fingerprint: e2eFingerprint })}\n`);
      const qr = await QRCode.toString(link, { type: 'terminal', small: true });
      io.err(
        `To sign in, approve this code from a device that is signed in:\n\n    ${start.user_code}\n\n` +
          `  p8fs approve ${start.user_code} --server ${server}\n  or open ${link}\n\n${qr}\n` +
          `If your vault is end-to-end encrypted, the approving device shows this device's key fingerprint: check it is\n\n    ${e2eFingerprint}\n\n` +
          `  (p8fs approve ${start.user_code} --fingerprint ${e2eFingerprint})\n\nWaiting for approval…\n`,
      );

      const tokens = await waitForApproval(auth, start);
      // Our own server just issued this token over a checked connection; its claims are read, not verified, to say who we are now.
      const claims = decodeJwt(tokens.access_token);
      const who = { device_id: stringClaim(claims.device), tenant_id: stringClaim(claims.tenant) };
      saveCredential(config.dataDir, server, credentialFrom(tokens, who));
      const result = { server, ...who, scope: tokens.scope ?? null };
      if (claims.vault_mode !== 'e2e' || !who.device_id || !who.tenant_id) {
        io.out(opts.json ? `${JSON.stringify(result)}\n` : `signed in to ${server} as device ${who.device_id ?? '(unknown)'}\n`);
        return;
      }
      // An end-to-end vault: publish this device's key, then wait for the approving device to wrap the vault keys to it.
      keys.bind(server, who.tenant_id, who.device_id);
      await keys.publishOwnKey();
      io.err(`Signed in. This vault is end-to-end encrypted: waiting for the vault keys from the approving device (fingerprint ${e2eFingerprint})…\n`);
      const vault = await keys.awaitKeys(E2E_KEY_WAIT_MS);
      const e2e = { ...result, vault_mode: 'e2e', vault_fingerprint: vault.fingerprint };
      io.out(opts.json
        ? `${JSON.stringify(e2e)}\n`
        : `signed in to ${server} as device ${who.device_id}; end-to-end vault keys received (vault fingerprint ${vault.fingerprint}): run p8fs sync\n`);
    });

/** How long a new device of an E2E vault waits for its keys after the sign-in was approved. */
const E2E_KEY_WAIT_MS = 10 * 60_000;

/** Poll the token endpoint at the announced interval (RFC 8628 §3.5) until the code is approved, denied or expires. */
async function waitForApproval(auth: AuthServer, start: oauth.DeviceAuthorizationResponse): Promise<oauth.TokenEndpointResponse> {
  let intervalMs = (start.interval ?? 5) * 1000;
  const deadline = Date.now() + start.expires_in * 1000;
  for (;;) {
    await new Promise((r) => setTimeout(r, intervalMs));
    if (Date.now() > deadline) throw new AppError('unauthorized', 'the code expired');
    try {
      const res = await oauth.deviceCodeGrantRequest(auth.as, CLI_CLIENT, oauth.None(), start.device_code, auth.http);
      return await oauth.processDeviceCodeResponse(auth.as, CLI_CLIENT, res);
    } catch (err) {
      if (!(err instanceof oauth.ResponseBodyError)) throw oauthFailure(err, 'sign-in failed');
      if (err.error === 'authorization_pending') continue;
      // The server asks for 5 s more between polls from now on (§3.5).
      if (err.error === 'slow_down') intervalMs += 5000;
      else if (err.error === 'access_denied') throw new AppError('forbidden', 'the request was denied');
      else if (err.error === 'expired_token') throw new AppError('unauthorized', 'the code expired');
      else throw oauthFailure(err, 'sign-in failed');
    }
  }
}

function stringClaim(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
