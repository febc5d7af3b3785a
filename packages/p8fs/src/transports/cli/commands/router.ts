import { Command } from 'commander';
import { NatsDispatcher } from '../../../adapters/queue/nats-dispatcher.js';
import { NatsJobQueue } from '../../../adapters/queue/nats-queue.js';
import { AppError } from '../../../domain/errors.js';
import { type CommandFactory, numberArg } from '../command.js';
import { cliContext } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { untilSignal } from '../shutdown.js';

const positive = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new AppError('validation_failed', `${what} must be a whole number >= 1`);
  return v;
};

/** `p8fs router`: moves queued jobs from the database (the outbox) to the JetStream tier subjects. */
export const routerCommand: CommandFactory = (io) =>
  new Command('router')
    .summary('dispatch queued jobs to the NATS tiers (queueProvider nats)')
    .description(
      'Publish queued jobs from the jobs table to JetStream, each file.process job on the subject of its ' +
        'size tier (p8fs.jobs.small <= 100 MB, medium <= 1 GB, large), every other job on small. Jobs whose ' +
        'message the broker lost (a NATS server that came back without its store) are dispatched again. ' +
        'Any number of routers may run. Needs --queue-provider nats and --storage-provider postgres.',
    )
    .option('--reconcile-seconds <n>', 'how often unfinished dispatched jobs are checked against the stream', numberArg, 10)
    .option('--grace-seconds <n>', 'how long past its run time or lease a job waits before that check', numberArg, 30)
    .addHelpText('after', examples('p8fs router', 'p8fs router --queue-provider nats --nats-url nats://127.0.0.1:4222 --reconcile-seconds 5'))
    .action(async (opts: { reconcileSeconds: unknown; graceSeconds: unknown }, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      if (config.queueProvider !== 'nats') throw new AppError('validation_failed', 'p8fs router needs --queue-provider nats');
      const reconcileMs = positive(opts.reconcileSeconds, '--reconcile-seconds') * 1000;
      const graceSeconds = positive(opts.graceSeconds, '--grace-seconds');
      const vault = await openEmbedded(config, 'worker', config.logLevel);
      try {
        const queue = vault.app.queue;
        if (!(queue instanceof NatsJobQueue)) throw new AppError('internal', 'the app did not build the nats queue');
        const dispatcher = new NatsDispatcher(vault.app.db, queue.nc, queue, vault.app.log, queue.opts, { reconcileMs, graceSeconds });
        await dispatcher.start();
        io.out(`p8fs router dispatching jobs to ${config.natsUrl}\n`);
        await untilSignal(io);
        await dispatcher.stop();
        vault.app.log.info({ dispatched: dispatcher.dispatched }, 'router stopped');
      } finally {
        await vault.close();
      }
    });
