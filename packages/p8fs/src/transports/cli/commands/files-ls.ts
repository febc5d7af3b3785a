import { FILE_STATUSES, type FileDto, ListFilesQuery } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { type CommandFactory, numberArg, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, formatBytes, json, table } from '../format.js';
import { withVault } from '../vault/open.js';

interface LsOptions {
  status?: string;
  limit?: number | string;
  offset?: number | string;
  query?: string;
  parent?: string;
  json?: boolean;
}

/** `p8fs files ls`: a page of files, newest first. */
export const filesLsCommand: CommandFactory = (io) =>
  new Command('ls')
    .description('List files, newest first')
    .addOption(new Option('--status <status>', 'only files with this status').choices(FILE_STATUSES))
    .option('-n, --limit <n>', 'page size (1-500, default 50)', numberArg)
    .option('--offset <n>', 'skip this many files', numberArg)
    .option('-q, --query <text>', 'substring of the name or uri')
    .option('--parent <id>', 'only the files found inside this archive, e-mail or mailbox')
    .option('--json', 'print the FileList JSON')
    .addHelpText('after', examples('p8fs files ls', 'p8fs files ls --status failed --json', 'p8fs files ls -q notes/ --limit 200', 'p8fs files ls --parent 0b6e5c1e-…'))
    .action(async (opts: LsOptions, cmd: Command) => {
      const query = parseInput(ListFilesQuery, { status: opts.status, limit: opts.limit, offset: opts.offset, q: opts.query, parent_id: opts.parent }, 'file listing');
      const list = await withVault(cliContext(cmd, io), (vault) => vault.listFiles(query));
      if (opts.json) return io.out(json(list));
      if (list.files.length === 0) return io.out(list.total ? `no files at offset ${list.offset} (${list.total} in all)\n` : 'no files\n');
      io.out(table([['ID', 'STATUS', 'CHUNKS', 'SIZE', 'URI'], ...list.files.map(row)]));
      io.out(`${list.files.length} of ${list.total} file${list.total === 1 ? '' : 's'}\n`);
    });

function row(f: FileDto): string[] {
  return [f.id, f.status, String(f.resource_count), formatBytes(f.size), f.uri];
}
