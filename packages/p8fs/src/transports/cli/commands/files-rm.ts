import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples } from '../format.js';
import { deleteEach } from '../delete-each.js';

/** `p8fs files rm ID...`: delete files with their chunks and vectors. */
export const filesRmCommand: CommandFactory = (io) =>
  new Command('rm')
    .description('Delete files, their chunks and their embeddings')
    .argument('<id...>', 'file ids (see `p8fs files ls`)')
    .addHelpText('after', examples('p8fs files rm 0b6e5c1e-…', 'p8fs files ls --status failed --json | jq -r ".files[].id" | xargs p8fs files rm'))
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      await deleteEach(cliContext(cmd, io), ids, (vault, id) => vault.deleteFile(id));
    });
