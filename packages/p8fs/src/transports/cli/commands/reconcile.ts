import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { AppError, errorMessage } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { untilSignal } from '../shutdown.js';

/** `p8fs reconcile`: objects written straight into the blob store's incoming area become files. */
export const reconcileCommand: CommandFactory = (io) =>
  new Command('reconcile')
    .summary('turn objects written straight into the blob store into files')
    .description(
      'List the blob store\'s incoming area (incoming/<tenant>/<path> in the S3 bucket, <blob-dir>/incoming/ on a local ' +
        'folder) and store each new object as a file of that tenant with uri <path>, queued for processing like an ' +
        'upload; the object is then deleted from incoming/. Each upload of a key is ingested once, also with several ' +
        'reconcilers running. Without --once it passes every --interval seconds until SIGINT/SIGTERM.',
    )
    .option('--once', 'one pass, then exit')
    .option('--interval <seconds>', 'seconds between passes', '30')
    .addHelpText('after', examples('p8fs reconcile --once', 'p8fs reconcile --interval 10 --blob-provider s3'))
    .action(async (opts: { once?: boolean; interval: string }, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const every = Number(opts.interval);
      if (!Number.isFinite(every) || every < 1) throw new AppError('validation_failed', '--interval must be 1 second or more');
      const server = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
      if (server?.url) throw new AppError('conflict', `the server at ${server.url} owns this vault; stop it or use PostgreSQL to run p8fs reconcile beside it`);
      const vault = await openEmbedded(config, 'worker', config.logLevel);
      try {
        const pass = async () => {
          const r = await vault.app.services.storageEvents.reconcile();
          if (opts.once || r.ingested + r.failed > 0)
            io.out(`reconciled: ${r.listed} listed, ${r.ingested} stored and queued, ${r.skipped} skipped, ${r.failed} failed\n`);
        };
        if (opts.once) return await pass();
        const stop = new AbortController();
        void untilSignal(io).then(() => stop.abort());
        io.out(`p8fs reconcile: every ${every} s\n`);
        while (!stop.signal.aborted) {
          await pass().catch((err) => io.err(`p8fs reconcile: ${errorMessage(err)}\n`));
          await sleep(every * 1000, undefined, { signal: stop.signal }).catch(() => {});
        }
      } finally {
        await vault.close();
      }
    });
