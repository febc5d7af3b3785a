import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { type MetricsServer, startMetricsServer } from '../../../adapters/metrics/server.js';
import { AppError } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { openEmbedded } from '../embedded.js';
import { examples } from '../format.js';
import { untilSignal } from '../shutdown.js';

/** `p8fs worker`: only the job workers, on the data dir (or, with the nats queue, on one tier). */
export const workerCommand: CommandFactory = (io) =>
  new Command('worker')
    .summary('process queued jobs, without the HTTP API')
    .description(
      'Process queued jobs (parsing, chunking, embedding) with --workers concurrent jobs, without the HTTP API. ' +
        'A job whose worker died is taken again when its lease (--job-lease-seconds) runs out. SIGINT/SIGTERM ' +
        'finish the jobs in flight, then stop. With --queue-provider nats, --tier small|medium|large takes the ' +
        'jobs of one size tier (files <= 100 MB, <= 1 GB, larger) with that tier\'s concurrency, ack wait and ' +
        'timeout (--tier-small-concurrency, ...); `p8fs router` feeds the tiers. --metrics-port N serves ' +
        'GET /metrics (Prometheus) on --metrics-host (default 127.0.0.1).',
    )
    .option('--tier <tier>', 'with the nats queue: small, medium or large (same as --worker-tier)')
    .addHelpText('after', examples('p8fs worker', 'p8fs worker --workers 4 --log-level debug',
      'p8fs worker --tier large --queue-provider nats --nats-url nats://127.0.0.1:4222', 'p8fs worker --metrics-port 9464'))
    .action(async (opts: { tier?: string }, cmd: Command) => {
      if (opts.tier !== undefined) cmd.setOptionValue('workerTier', opts.tier);
      const { config } = cliContext(cmd, io);
      if (config.queueProvider !== 'nats' && config.workerTier !== 'all')
        throw new AppError('validation_failed', '--tier needs --queue-provider nats (the db queue has no tiers)');
      const server = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
      if (server?.url)
        throw new AppError('conflict', `the server at ${server.url} already runs workers in process; start it with --workers N instead of running p8fs worker`);
      const tiered = config.queueProvider === 'nats' && config.workerTier !== 'all';
      if (!tiered && config.workers < 1) throw new AppError('validation_failed', 'p8fs worker needs --workers 1 or more');
      const vault = await openEmbedded(config, 'worker', config.logLevel);
      let metrics: MetricsServer | null = null;
      try {
        if (config.metricsPort !== undefined) metrics = await startMetricsServer(vault.app.metrics, config.metricsHost, config.metricsPort);
        vault.app.pool.start();
        const n = tiered ? vault.app.pool.concurrency : config.workers;
        const where = config.queueProvider === 'nats' ? `the ${config.workerTier} tier${tiered ? '' : 's'} of ${config.natsUrl}` : config.dataDir;
        io.out(`p8fs worker running up to ${n} job${n === 1 ? '' : 's'} at a time on ${where}\n`);
        if (metrics) io.out(`metrics at ${metrics.url}\n`);
        await untilSignal(io);
      } finally {
        await metrics?.close();
        await vault.close();
      }
    });
