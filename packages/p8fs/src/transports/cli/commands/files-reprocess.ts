import { ReprocessRequest } from '@p8fs/contracts';
import { Command } from 'commander';
import { type CommandFactory, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json } from '../format.js';
import { withVault } from '../vault/open.js';

interface ReprocessOptions {
  stale?: boolean;
  failed?: boolean;
  json?: boolean;
}

/** `p8fs files reprocess`: parse files again after a parser upgrade or a tool install. */
export const filesReprocessCommand: CommandFactory = (io) =>
  new Command('reprocess')
    .description('Queue files to be parsed and indexed again: by id, those read by an older parser version (--stale), or failed ones (--failed)')
    .argument('[id...]', 'file ids (see `p8fs files ls`)')
    .option('--stale', 'files an older version of their parser read (parser versions: `p8fs providers`)')
    .option('--failed', 'failed files, e.g. after installing the tool their error named')
    .option('--json', 'print {"queued": n}')
    .addHelpText('after', examples('p8fs files reprocess --stale', 'p8fs files reprocess --failed', 'p8fs files reprocess 0b6e5c1e-…'))
    .action(async (ids: string[], opts: ReprocessOptions, cmd: Command) => {
      const request = parseInput(ReprocessRequest, { ids: ids.length > 0 ? ids : undefined, stale: opts.stale, failed: opts.failed }, 'reprocess request');
      const result = await withVault(cliContext(cmd, io), (vault) => vault.reprocessFiles(request));
      io.out(opts.json ? json(result) : `queued ${result.queued} file${result.queued === 1 ? '' : 's'} for processing\n`);
    });
