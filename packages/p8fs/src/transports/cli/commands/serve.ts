import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { untilSignal } from '../shutdown.js';
import { ensureOwnerSecret } from '../../../adapters/db/owner-secret.js';
import { type BackgroundSync, startBackgroundSync } from '../../../e2e-device.js';
import { e2eBinding, relayFor } from '../e2e.js';

/** `p8fs serve`: the HTTP API and, unless --workers 0, the job workers, on the data dir. */
export const serveCommand: CommandFactory = (io) =>
  new Command('serve')
    .summary('run the HTTP API and job workers on the data dir')
    .description(
      'Run the HTTP API on the data dir, with --workers jobs processed in the same process (0 = API only). ' +
        'While it runs, CLI commands on the same data dir go through it. On a device of an end-to-end vault it also syncs ' +
        'the replica with the relay every --sync-interval-seconds. SIGINT/SIGTERM shut down gracefully.',
    )
    .addHelpText('after', examples('p8fs serve', 'p8fs serve --port 9000 --host 0.0.0.0 --workers 4', 'p8fs serve --port 0   # any free port; the URL is printed'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const vault = await openEmbedded(config, 'server', config.logLevel);
      let server: { url: string; close(): Promise<void> } | null = null;
      let sync: BackgroundSync | null = null;
      try {
        vault.app.pool.start();
        // Loaded here: only serve needs the HTTP stack.
        const { startHttpServer } = await import('../../http/server.js');
        const ownerSecret = config.storageProvider === 'pglite' ? ensureOwnerSecret(config.dataDir) : null;
        server = await startHttpServer(vault.app, { host: config.host, port: config.port, ownerSecret });
        vault.recordUrl(server.url);
        io.out(`p8fs listening on ${server.url}\ndata dir ${config.dataDir}, ${config.workers} worker${config.workers === 1 ? '' : 's'} in process\n`);
        // A device of an end-to-end vault keeps its replica in sync while it serves it (decision 0018).
        const binding = e2eBinding(config.dataDir);
        if (binding) {
          sync = startBackgroundSync(vault.app, relayFor(config, binding.server), config.syncIntervalSeconds * 1000);
          io.out(`end-to-end vault ${binding.tenantId}: syncing with ${binding.server} every ${config.syncIntervalSeconds} s\n`);
        }
        await untilSignal(io);
      } finally {
        // Order matters: no new requests, then the sync pass in flight, then jobs in flight finish
        // (app.close stops the pool), then the lock goes.
        await server?.close();
        await sync?.stop();
        await vault.close();
      }
    });
