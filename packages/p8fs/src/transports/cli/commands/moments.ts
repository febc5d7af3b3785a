import { MOMENT_ORDERS, MomentListQuery } from '@p8fs/contracts';
import { Command, Option } from 'commander';
import { type CommandFactory, numberArg, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, oneLine, table } from '../format.js';
import { withVault } from '../vault/open.js';
import { deleteEach } from '../delete-each.js';
import { momentsAddCommand } from './moments-add.js';
import { collect, render } from './moments-render.js';

interface LsOptions {
  topic?: string[];
  emotion?: string[];
  type?: string;
  person?: string;
  from?: string;
  to?: string;
  order?: string;
  limit?: number | string;
  offset?: number | string;
  json?: boolean;
}

/** `p8fs moments ls`: a page of moments by start time, filtered. */
const momentsLsCommand: CommandFactory = (io) =>
  new Command('ls')
    .description('List moments by start time (recent first), filtered by tags, type, person or time range')
    .option('--topic <tag>', 'with this topic tag (repeatable or comma list; any matches)', collect)
    .option('--emotion <tag>', 'with this emotion tag (repeatable or comma list; any matches)', collect)
    .option('--type <type>', 'of this moment type, e.g. meeting')
    .option('--person <name>', 'with this person present or speaking')
    .option('--from <time>', 'ending at or after this ISO date or date-time')
    .option('--to <time>', 'starting at or before this ISO date or date-time')
    .addOption(new Option('--order <order>', 'by start time').choices(MOMENT_ORDERS))
    .option('-n, --limit <n>', 'page size (1-200, default 50)', numberArg)
    .option('--offset <n>', 'skip this many moments', numberArg)
    .option('--json', 'print the MomentList JSON')
    .addHelpText('after', examples('p8fs moments ls', 'p8fs moments ls --topic launch,planning --from 2024-10-01', 'p8fs moments ls --person "Sarah Chen" --json'))
    .action(async (opts: LsOptions, cmd: Command) => {
      const query = parseInput(MomentListQuery, {
        topic: opts.topic, emotion: opts.emotion, type: opts.type, person: opts.person, from: opts.from, to: opts.to,
        order: opts.order, limit: opts.limit, offset: opts.offset,
      }, 'moment listing');
      const list = await withVault(cliContext(cmd, io), (vault) => vault.listMoments(query));
      if (opts.json) return io.out(json(list));
      if (list.moments.length === 0) return io.out(list.total ? `no moments at offset ${list.offset} (${list.total} in all)\n` : 'no moments\n');
      io.out(table([['ID', 'START', 'TYPE', 'NAME'], ...list.moments.map((m) => [m.id, m.starts_at ?? '-', m.moment_type ?? '-', oneLine(m.name, 80)])]));
      io.out(`${list.moments.length} of ${list.total} moment${list.total === 1 ? '' : 's'}\n`);
    });

/** `p8fs moments show ID`: one moment with everything it holds. */
const momentsShowCommand: CommandFactory = (io) =>
  new Command('show')
    .description('Show a moment: time, people, tags, summary and content')
    .argument('<id>', 'moment id (see `p8fs moments ls`)')
    .option('--json', 'print the MomentDto JSON')
    .addHelpText('after', examples('p8fs moments show 0b6e5c1e-…', 'p8fs moments show 0b6e5c1e-… --json'))
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const m = await withVault(cliContext(cmd, io), (vault) => vault.getMoment(id));
      io.out(opts.json ? json(m) : render(m));
    });

/** `p8fs moments rm ID...`: delete moments and their search resources. */
const momentsRmCommand: CommandFactory = (io) =>
  new Command('rm')
    .description('Delete moments (and the resources that make them searchable)')
    .argument('<id...>', 'moment ids')
    .addHelpText('after', examples('p8fs moments rm 0b6e5c1e-…'))
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      await deleteEach(cliContext(cmd, io), ids, (vault, id) => vault.deleteMoment(id));
    });

/** `p8fs moments ls|show|add|rm`: time-bounded episodes. */
export const momentsCommand: CommandFactory = (io) =>
  new Command('moments')
    .summary('list, show, add and delete moments')
    .description('Moments: time-bounded episodes (meetings, reflections, trips) with people, tags and a time range')
    .addHelpText('after', examples('p8fs moments ls --topic launch', 'p8fs moments add --name "Q4 kickoff" --start 2024-10-01T09:00:00Z', 'p8fs moments rm 0b6e…'))
    .addCommand(momentsLsCommand(io))
    .addCommand(momentsShowCommand(io))
    .addCommand(momentsAddCommand(io))
    .addCommand(momentsRmCommand(io));
