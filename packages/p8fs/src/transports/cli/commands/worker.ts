import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { untilSignal } from '../shutdown.js';

/** `p8fs worker`: only the job workers, on the data dir. */
export const workerCommand: CommandFactory = (io) =>
  new Command('worker')
    .summary('process queued jobs, without the HTTP API')
    .description(
      'Process queued jobs (parsing, chunking, embedding) with --workers concurrent jobs, without the HTTP API. ' +
        'A job whose worker died is taken again when its lease (--job-lease-seconds) runs out. SIGINT/SIGTERM ' +
        'finish the jobs in flight, then stop.',
    )
    .addHelpText('after', examples('p8fs worker', 'p8fs worker --workers 4 --log-level debug'))
    .action(async (_opts: unknown, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const server = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
      if (server?.url)
        throw new AppError('conflict', `the server at ${server.url} already runs workers in process; start it with --workers N instead of running p8fs worker`);
      if (config.workers < 1) throw new AppError('validation_failed', 'p8fs worker needs --workers 1 or more');
      const vault = await openEmbedded(config, 'worker', config.logLevel);
      try {
        vault.app.pool.start();
        io.out(`p8fs worker running up to ${config.workers} job${config.workers === 1 ? '' : 's'} at a time on ${config.dataDir}\n`);
        await untilSignal(io);
      } finally {
        await vault.close();
      }
    });
