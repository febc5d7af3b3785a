import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TOKEN_AUDIENCES, type TokenAudience, type TokenSet } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { AppError } from '../../../domain/errors.js';
import { generateEd25519KeyPair } from '../../../domain/ed25519.js';
import type { CommandFactory } from '../command.js';
import { cliContext, oneShotLogLevel } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples, json } from '../format.js';
import { localOwnerToken } from '../vault/remote.js';

/** `p8fs auth`: tokens and keys. */
export const authCommand: CommandFactory = (io) =>
  new Command('auth')
    .summary('owner tokens and device keys')
    .description('Access tokens for the owner of a local vault, and Ed25519 device keys')
    .addHelpText('after', examples('p8fs auth token', 'curl -H "Authorization: Bearer $(p8fs auth token)" http://127.0.0.1:8808/api/v1/status', 'p8fs auth keygen'))
    .addCommand(
      new Command('token')
        .description(
          "Print an access token for the vault owner's own device, for scripts and tests. Works on the data dir: " +
            'through the server that holds it (proven by the data dir owner secret), else in process. Tokens expire ' +
            '(accessTokenTtlSeconds, default 1 h); for a long-lived token see `p8fs tokens create`. A token is for one ' +
            'audience: api (/api/v1, the default) or mcp (/api/mcp)',
        )
        .addOption(new Option('--audience <audience>', 'the endpoint the token works at').choices(TOKEN_AUDIENCES).default('api'))
        .option('--json', 'print the whole token set {access_token, refresh_token, token_type, expires_in, scope}')
        .addHelpText('after', examples(
          'p8fs auth token',
          'export P8FS_TOKEN=$(p8fs auth token)',
          'p8fs auth token --audience mcp    # an hour-long token for /api/mcp',
          'p8fs auth token --json | jq -r .refresh_token',
        ))
        .action(async (opts: { json?: boolean; audience: TokenAudience }, cmd: Command) => {
          const ctx = cliContext(cmd, io);
          const tokens = await ownerTokenSet(ctx, opts.audience);
          io.out(opts.json ? json(tokens) : `${tokens.access_token}\n`);
        }),
    )
    .addCommand(
      new Command('rotate-keys')
        .description(
          'Add a new token signing key (ES256). It signs from the next server start; older keys stay in the JWKS so ' +
            'tokens they signed keep working until they expire, then retire. Runs on the data dir in process: stop the server first',
        )
        .addHelpText('after', examples('p8fs auth rotate-keys'))
        .action(async (_opts: unknown, cmd: Command) => {
          const ctx = cliContext(cmd, io);
          const vault = await openEmbedded(ctx.config, 'cli', oneShotLogLevel(ctx));
          try {
            const { rotateSigningKey } = await import('../../../adapters/oauth/index.js');
            const key = await rotateSigningKey(vault.app.db, { secrets: vault.app.secrets });
            io.out(`new signing key ${key.kid}; restart the server to sign with it\n`);
          } finally {
            await vault.close();
          }
        }),
    )
    .addCommand(
      new Command('keygen')
        .description('Create this device\'s Ed25519 key pair (<dataDir>/device.key, readable by you only) and print the public key')
        .option('--force', 'replace an existing key (the old one can no longer approve anything)')
        .addHelpText('after', examples('p8fs auth keygen', 'p8fs auth keygen --force'))
        .action((opts: { force?: boolean }, cmd: Command) => {
          const { config } = cliContext(cmd, io);
          const path = join(config.dataDir, 'device.key');
          if (existsSync(path) && !opts.force) throw new AppError('conflict', `${path} exists: use --force to replace it`);
          const { publicKey, privateKey } = generateEd25519KeyPair();
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, `${JSON.stringify({ public_key: publicKey, private_key: privateKey })}\n`, { mode: 0o600 });
          chmodSync(path, 0o600);
          io.out(`${publicKey}\n`);
          io.err(`p8fs: private key written to ${path}\n`);
        }),
    );

async function ownerTokenSet(ctx: ReturnType<typeof cliContext>, audience: TokenAudience): Promise<TokenSet> {
  const { config } = ctx;
  if (config.server) throw new AppError('bad_request', 'auth token is for the owner of a local data dir; a remote server needs a sign-in (or p8fs tokens create)');
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (holder?.url) return localOwnerToken(holder.url, config.dataDir, audience);
  const vault = await openEmbedded(config, 'cli', oneShotLogLevel(ctx));
  try {
    const { ownerTokens } = await import('../../../services/auth/owner.js');
    const auth = await vault.app.auth();
    return await ownerTokens(auth.server, config.tenantId, auth.ownerDeviceId, audience);
  } finally {
    await vault.close();
  }
}
