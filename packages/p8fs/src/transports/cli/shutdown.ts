import type { CliIo } from './io.js';

/**
 * Resolve on the first SIGINT or SIGTERM so a long-running command can shut down gracefully.
 * A second signal exits at once: a shutdown stuck on a hung job must stay interruptible.
 */
export function untilSignal(io: CliIo): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off('SIGINT', first).off('SIGTERM', first);
      process.once('SIGINT', force).once('SIGTERM', force);
      io.err(`p8fs: ${signal}: shutting down (waiting for jobs in flight; signal again to stop at once)\n`);
      resolve(signal);
    };
    const force = (signal: NodeJS.Signals) => {
      io.err(`p8fs: ${signal}: stopping now\n`);
      process.exit(1);
    };
    process.on('SIGINT', first).on('SIGTERM', first);
  });
}
