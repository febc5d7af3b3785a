import { type AccessTokenDto, CreateAccessTokenBody, TOKEN_AUDIENCES } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { AppError } from '../../../domain/errors.js';
import { type CommandFactory, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, table } from '../format.js';
import { withVault } from '../vault/open.js';

const UNIT_SECONDS: Record<string, number> = { h: 3600, d: 86_400, w: 7 * 86_400, y: 365 * 86_400 };

/** `--expires`: `90d`, `12h`, `2w`, `1y` in seconds, or null for `never`. */
export function parseExpiry(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'never') return null;
  const m = /^(\d+)([hdwy])$/.exec(t);
  if (!m) throw new AppError('validation_failed', `--expires ${text}: give a duration like 12h, 90d, 2w, 1y, or never`);
  return Number(m[1]) * (UNIT_SECONDS[m[2] as string] as number);
}

/** commander collector: repeatable and comma-separated (`--scope vault:read,vault:write`). */
const scopes = (value: string, prev: string[] = []) => [...prev, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

interface CreateOptions {
  name: string;
  scope?: string[];
  audience: string;
  expires: string;
  json?: boolean;
}

/** `p8fs tokens create`: a new token, printed once as the last line of stdout. */
const tokensCreateCommand: CommandFactory = (io) =>
  new Command('create')
    .description(
      'Create a personal access token for an MCP host or a script that sends a fixed "Authorization: Bearer" header. ' +
        'The token is printed once, as the last line of stdout; only its hash is stored. A token is for one audience: ' +
        'api (/api/v1) or mcp (/api/mcp). vault:write implies vault:read. It dies when revoked (tokens rm), when it ' +
        'expires, or when the device that created it is revoked',
    )
    .requiredOption('--name <name>', 'what it is for, shown by tokens ls (e.g. claude-code)')
    .option('--scope <scope>', 'vault:read (default) or vault:write (which can also read); repeatable or a comma list', scopes)
    .addOption(new Option('--audience <audience>', 'the endpoint it works at').choices(TOKEN_AUDIENCES).default('api'))
    .option('--expires <duration>', 'lifetime: 12h, 90d, 2w, 1y (at most a year), or never', '90d')
    .option('--json', 'print {id, name, audience, scopes, device_id, status, created_at, expires_at, last_used_at, token}')
    .addHelpText('after', examples(
      'p8fs tokens create --name claude-code --audience mcp --scope vault:read',
      'claude mcp add --transport http p8fs http://127.0.0.1:8808/api/mcp --header "Authorization: Bearer $(p8fs tokens create --name claude-code --audience mcp | tail -n1)"',
      'p8fs tokens create --name backup-script --scope vault:write --expires 30d',
      'p8fs tokens create --name n8n --audience mcp --scope vault:read,vault:write --expires never --json',
    ))
    .action(async (opts: CreateOptions, cmd: Command) => {
      const body = parseInput(CreateAccessTokenBody, {
        name: opts.name, scopes: opts.scope, audience: opts.audience, expires_in: parseExpiry(opts.expires),
      }, 'access token');
      const created = await withVault(cliContext(cmd, io), (vault) => vault.createAccessToken(body));
      if (opts.json) return io.out(json(created));
      io.out(`created access token ${created.id} "${created.name}" for ${created.audience}, ${created.scopes.join(' ')}, ` +
        `${created.expires_at ? `expires ${created.expires_at}` : 'never expires'}\n`);
      io.out('it is shown only now: store it (a password manager, your MCP host\'s settings)\n');
      io.out(`${created.token}\n`);
    });

/** `p8fs tokens ls`: every token with its state and last use. */
const tokensLsCommand: CommandFactory = (io) =>
  new Command('ls')
    .description('List the personal access tokens of this vault (never their secrets), newest first')
    .option('--json', 'print {tokens: [{id, name, audience, scopes, device_id, status, created_at, expires_at, last_used_at}]}')
    .addHelpText('after', examples('p8fs tokens ls', 'p8fs tokens ls --json | jq -r \'.tokens[] | select(.status != "active") | .id\''))
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withVault(cliContext(cmd, io), (vault) => vault.listAccessTokens());
      io.out(opts.json ? json(list) : render(list.tokens));
    });

/** `p8fs tokens rm ID`: revoke at once. */
const tokensRmCommand: CommandFactory = (io) =>
  new Command('rm')
    .description('Revoke a personal access token: the next request with it is refused')
    .argument('<id>', 'token id (from tokens ls)')
    .option('--json', 'print the revoked token')
    .addHelpText('after', examples('p8fs tokens rm 3f1c…'))
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const gone = await withVault(cliContext(cmd, io), (vault) => vault.revokeAccessToken(id));
      io.out(opts.json ? json(gone) : `revoked ${gone.id} (${gone.name})\n`);
    });

/** `p8fs tokens create|ls|rm`: personal access tokens for MCP hosts and scripts. */
export const tokensCommand: CommandFactory = (io) =>
  new Command('tokens')
    .summary('create, list and revoke personal access tokens')
    .description(
      'Personal access tokens: long-lived bearer tokens for MCP hosts (Claude Code --header, agent frameworks, n8n) and ' +
        'scripts (curl). Managed by the vault owner (on the data dir) or a signed-in device (--server); a token itself ' +
        'cannot manage tokens or devices',
    )
    .addHelpText('after', examples(
      'p8fs tokens create --name claude-code --audience mcp --scope vault:read',
      'p8fs tokens ls',
      'p8fs tokens rm 3f1c…',
    ))
    .addCommand(tokensCreateCommand(io))
    .addCommand(tokensLsCommand(io))
    .addCommand(tokensRmCommand(io));

function render(tokens: AccessTokenDto[]): string {
  if (tokens.length === 0) return 'no access tokens\n';
  const day = (iso: string | null, none: string) => (iso ? iso.slice(0, 16).replace('T', ' ') : none);
  return table([
    ['ID', 'NAME', 'AUDIENCE', 'SCOPES', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'],
    ...tokens.map((t) => [t.id, t.name, t.audience, t.scopes.join(','), t.status, day(t.created_at, '-'), day(t.expires_at, 'never'), day(t.last_used_at, 'never')]),
  ]);
}
