import { join, resolve } from 'node:path';
import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json } from '../format.js';
import { summary } from './backup.js';

/**
 * `p8fs restore FILE --data-dir DIR` (decision 0021): a backup into a new, empty data dir, every
 * member checked against the manifest first. The restored vault opens with the master key that
 * was in the archive, or with P8FS_MASTER_KEY / a master.key copied in.
 */
export const restoreCommand: CommandFactory = (io) =>
  new Command('restore')
    .summary('restore a backup into a new data dir')
    .description('Restore an archive written by `p8fs backup` into an empty data dir (--data-dir / P8FS_DATA_DIR): sizes and sha256 of every member are checked against its manifest')
    .argument('<file>', 'the archive')
    .option('--json', 'print the manifest summary as JSON')
    .addHelpText('after', examples('p8fs restore vault.tar --data-dir ~/p8fs-restored', 'P8FS_MASTER_KEY=… p8fs status --data-dir ~/p8fs-restored'))
    .action(async (fileArg: string, opts: { json?: boolean }, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const dataDir = resolve(config.dataDir);
      // Loaded on demand: PGlite and tar are needed by this command only, not at every CLI start.
      const { restoreArchive } = await import('../../../adapters/backup/restore.js');
      const { manifest, masterKeyRestored } = await restoreArchive(resolve(fileArg), { dataDir, blobDir: resolve(config.blobDir ?? join(dataDir, 'blobs')) });
      if (!masterKeyRestored) {
        io.err(`p8fs: the backup holds no master key: start the vault with P8FS_MASTER_KEY set to it, or copy its master.key into ${dataDir} (mode 0600)\n`);
      }
      if (opts.json) return io.out(json({ data_dir: dataDir, master_key_restored: masterKeyRestored, ...summary(manifest) }));
      const c = manifest.counts;
      io.out(`restored ${c.files} files, ${c.resources} resources and ${c.blobs} blobs into ${dataDir} (backup of ${manifest.created_at}, p8fs ${manifest.p8fs_version})\n`);
    });
