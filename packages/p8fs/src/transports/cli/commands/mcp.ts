import { Command } from 'commander';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext, oneShotLogLevel } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';

/** `p8fs mcp`: an MCP server over stdio, in process on the data dir, acting as the owner. */
export const mcpCommand: CommandFactory = (io) =>
  new Command('mcp')
    .summary('serve the vault to an MCP host over stdio')
    .description(
      'Run an MCP server on stdin/stdout for hosts that launch a local command (Claude Desktop, Claude Code, Cursor). ' +
        'It opens the data dir in process and acts as its owner, with job workers so saved memories get indexed. ' +
        'stdout carries only the protocol; logs go to stderr. It exits when the host closes stdin. ' +
        'Remote hosts connect to `p8fs serve` at /api/mcp instead (OAuth).',
    )
    .addHelpText('after', examples('p8fs mcp', 'P8FS_DATA_DIR=~/vault p8fs mcp --log-level info', 'claude mcp add p8fs -- p8fs mcp'))
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const { config } = ctx;
      // The lock makes a second opener fail with a clear message naming the server that holds the vault.
      const vault = await openEmbedded(config, 'cli', oneShotLogLevel(ctx)).catch((err: unknown) => {
        if (err instanceof AppError && err.code === 'conflict')
          throw new AppError('conflict', `${err.message}. p8fs mcp opens the vault itself; while a server runs, connect the host to its /api/mcp endpoint`);
        throw err;
      });
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
