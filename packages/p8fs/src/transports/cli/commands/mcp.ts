import { Command } from 'commander';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext, oneShotLogLevel } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { type RelayTarget, ownerMcpTokens, relayStdio } from '../mcp-relay.js';
import { serverKey, tokenFor } from '../credentials.js';
import { isE2eReplica } from '../e2e.js';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import type { Config } from '../../../config/schema.js';

/** `p8fs mcp`: an MCP server over stdio, in process on the data dir, acting as the owner. */
export const mcpCommand: CommandFactory = (io) =>
  new Command('mcp')
    .summary('serve the vault to an MCP host over stdio')
    .description(
      'Run an MCP server on stdin/stdout for hosts that launch a local command (Claude Desktop, Claude Code, Cursor). ' +
        'It opens the data dir in process and acts as its owner, with job workers so saved memories get indexed; ' +
        'while `p8fs serve` holds the data dir it relays to that server (as the owner), and with --server it relays to a ' +
        'remote server with the sign-in from `p8fs login` (or --token). ' +
        'stdout carries only the protocol; logs go to stderr. It exits when the host closes stdin. ' +
        'Hosts that speak HTTP connect to `p8fs serve` at /api/mcp directly (OAuth).',
    )
    .addHelpText('after', examples('p8fs mcp', 'P8FS_DATA_DIR=~/vault p8fs mcp --log-level info', 'p8fs mcp --server https://vault.example.com', 'claude mcp add p8fs -- p8fs mcp'))
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const { config } = ctx;
      const relay = await relayTarget(config);
      if (relay) return relayStdio(relay, (m) => io.err(`${m}\n`));
      // The lock makes a second opener fail with a clear message naming the server that holds the vault.
      const vault = await openEmbedded(config, 'cli', oneShotLogLevel(ctx));
      try {
        if (config.workers > 0) vault.app.pool.start();
        // Loaded here: only this command needs the MCP SDK.
        const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
        const { createMcpServer } = await import('../../mcp/server.js');
        const server = createMcpServer(vault.app, vault.app.owner);
        const closed = new Promise<void>((resolve) => {
          process.stdin.once('end', resolve).once('close', resolve);
          process.once('SIGINT', () => resolve()).once('SIGTERM', () => resolve());
        });
        await server.connect(new StdioServerTransport());
        await closed;
        await server.close();
      } finally {
        await vault.close();
      }
    });

/**
 * Where stdio should go instead of an in-process vault: --server (with its stored sign-in or
 * --token), or the `p8fs serve` that holds this data dir (as its owner). Null: open the vault here.
 */
async function relayTarget(config: Config): Promise<RelayTarget | null> {
  // A device of an end-to-end vault serves its own replica (the server's /api/mcp refuses such a vault).
  if (config.server && !isE2eReplica(config)) {
    const server = serverKey(config.server);
    const token = config.token;
    return {
      endpoint: new URL(`${server}/api/mcp`),
      token: async () => {
        const t = token ?? (await tokenFor(config, server, Date.now(), 'mcp'));
        if (!t) throw new AppError('unauthorized', `not signed in to ${server}: run p8fs login --server ${server}`);
        return t;
      },
    };
  }
  const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
  if (!holder?.url) return null;
  return { endpoint: new URL(`${holder.url}/api/mcp`), token: ownerMcpTokens(holder.url, config.dataDir) };
}
