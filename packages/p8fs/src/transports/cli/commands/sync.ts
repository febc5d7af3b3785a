import { Command } from 'commander';
import { readLock } from '../../../adapters/db/data-dir-lock.js';
import { AppError, errorMessage } from '../../../domain/errors.js';
import { deviceSyncEngine } from '../../../e2e-device.js';
import type { SyncSummary } from '../../../services/sync/deps.js';
import type { SyncEngine } from '../../../services/sync/engine.js';
import type { CommandFactory } from '../command.js';
import { cliContext, oneShotLogLevel } from '../context.js';
import { serverKey } from '../credentials.js';
import { e2eBinding, vaultKeysFor } from '../e2e.js';
import { openEmbedded } from '../embedded.js';
import { examples, formatBytes, json } from '../format.js';
import type { CliIo } from '../io.js';
import { untilSignal } from '../shutdown.js';

interface SyncOptions {
  watch?: boolean;
  json?: boolean;
  wait: boolean;
}

/** `p8fs sync`: push this device's changes to its end-to-end vault's relay and pull everyone else's. */
export const syncCommand: CommandFactory = (io) =>
  new Command('sync')
    .summary('push and pull this device\'s end-to-end vault')
    .description(
      'Sync this device\'s replica of its end-to-end vault with the relay: local changes (files, moments, your own ' +
        'edges, deletes) go up sealed, other devices\' changes come down and are applied here, where pulled files are ' +
        'parsed, chunked and embedded (vectors and text never leave the device). Concurrent changes converge: per object ' +
        'the later change wins (hybrid logical clock, then device id); a file of yours that lost is kept as a conflict copy. ' +
        'Waits until pulled files are indexed (--no-wait: not). Progress on stderr, a summary on stdout. ' +
        'While p8fs serve runs on this data dir it syncs in the background every few seconds instead',
    )
    .option('--watch', `keep syncing every --sync-interval-seconds until interrupted`)
    .option('--no-wait', 'do not wait for pulled files to be parsed and indexed here')
    .option('--json', 'print the counts as JSON (one line per pass with --watch)')
    .addHelpText('after', examples('p8fs sync', 'p8fs sync --json', 'p8fs sync --watch', 'p8fs sync --no-wait'))
    .action(async (opts: SyncOptions, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const { config } = ctx;
      const binding = e2eBinding(config.dataDir);
      if (!binding) {
        throw new AppError('e2e.not_enabled', `${config.dataDir} is not a device of an end-to-end vault (p8fs register --e2e, p8fs login or p8fs recover make it one)`);
      }
      if (config.server && serverKey(config.server) !== binding.server) {
        throw new AppError('bad_request', `this data dir syncs with ${binding.server}, not ${serverKey(config.server)}`);
      }
      const holder = config.storageProvider === 'pglite' ? readLock(config.dataDir) : null;
      if (holder?.url) {
        throw new AppError('conflict', `p8fs serve (${holder.url}) holds this data dir and syncs it every ${config.syncIntervalSeconds} s in the background; its log says what each pass did`);
      }
      const { keys, relay } = vaultKeysFor(config, binding.server, io);
      const vault = await openEmbedded(config, 'cli', oneShotLogLevel(ctx));
      try {
        if (config.workers > 0) vault.app.pool.start();
        const engine = deviceSyncEngine(vault.app, keys, relay);
        const pass = async () => {
          const summary = await engine.syncOnce({ progress: (line) => io.err(`p8fs: ${line}\n`) });
          if (opts.wait && config.workers > 0) await untilIndexed(engine, io);
          io.out(opts.json ? (opts.watch ? `${JSON.stringify(summary)}\n` : json(summary)) : describe(summary));
        };
        if (!opts.watch) return await pass();
        const stop = untilSignal(io);
        let stopped = false;
        void stop.then(() => (stopped = true));
        while (!stopped) {
          await pass().catch((err: unknown) => io.err(`p8fs: sync failed: ${errorMessage(err)}\n`));
          await Promise.race([stop, new Promise((r) => setTimeout(r, config.syncIntervalSeconds * 1000))]);
        }
      } finally {
        await vault.close();
      }
    });

/** Wait until the replica has parsed and indexed what the pass brought in. */
async function untilIndexed(engine: SyncEngine, io: CliIo): Promise<void> {
  let said = 0;
  for (;;) {
    const n = await engine.inFlight();
    if (n === 0) return;
    if (Date.now() - said > 5000) {
      io.err(`p8fs: indexing ${n} file${n === 1 ? '' : 's'} on this device…\n`);
      said = Date.now();
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function describe(s: SyncSummary): string {
  const p = s.pushed;
  const q = s.pulled;
  const lines = [
    `pushed ${p.records} change${p.records === 1 ? '' : 's'} (${p.files} files, ${p.moments} moments, ${p.edges} edges, ${p.deletes} deletes; ${formatBytes(Math.round(p.bytes))})`,
    `pulled ${q.records} record${q.records === 1 ? '' : 's'} (${q.applied} applied, ${q.older} older, ${q.rejected} rejected; ${formatBytes(Math.round(q.bytes))})`,
  ];
  if (s.conflicts > 0) lines.push(`${s.conflicts} conflict${s.conflicts === 1 ? '' : 's'}: your version kept as a "(conflict …)" copy`);
  if (q.rejected > 0) lines.push(`${q.rejected} record${q.rejected === 1 ? '' : 's'} failed authentication or could not be applied, and were skipped`);
  if (s.snapshot.loaded !== null) lines.push(`started from the snapshot at ${s.snapshot.loaded}`);
  if (s.snapshot.written !== null) lines.push(`wrote a snapshot at ${s.snapshot.written}`);
  lines.push(`at ${s.cursor} of ${s.head} (key epoch ${s.epoch}) in ${s.ms} ms`);
  return `${lines.join('\n')}\n`;
}
