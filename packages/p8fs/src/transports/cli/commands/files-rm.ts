import { Command } from 'commander';
import { errorMessage } from '../../../domain/errors.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { CliExit, EXIT, exitCodeFor } from '../exit-codes.js';
import { examples } from '../format.js';
import { withVault } from '../vault/open.js';

/** `p8fs files rm ID...`: delete files with their chunks and vectors. */
export const filesRmCommand: CommandFactory = (io) =>
  new Command('rm')
    .description('Delete files, their chunks and their embeddings')
    .argument('<id...>', 'file ids (see `p8fs files ls`)')
    .addHelpText('after', examples('p8fs files rm 0b6e5c1e-…', 'p8fs files ls --status failed --json | jq -r ".files[].id" | xargs p8fs files rm'))
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      // Every id is tried; the exit code is the first failure's, after all were reported.
      const failures = await withVault(cliContext(cmd, io), async (vault) => {
        const failed: unknown[] = [];
        for (const id of ids) {
          try {
            await vault.deleteFile(id);
            io.out(`deleted ${id}\n`);
          } catch (err) {
            if (exitCodeFor(err) === EXIT.error) throw err;
            io.err(`p8fs: ${errorMessage(err)}\n`);
            failed.push(err);
          }
        }
        return failed;
      });
      if (failures.length) throw new CliExit(exitCodeFor(failures[0]));
    });
