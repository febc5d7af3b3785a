import { MomentCreate } from '@p8fs/contracts';
import { Command } from 'commander';
import { type CommandFactory, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json } from '../format.js';
import { withVault } from '../vault/open.js';
import { collect, render } from './moments-render.js';

interface AddOptions {
  name: string;
  start?: string;
  end?: string;
  type?: string;
  summary?: string;
  content?: string;
  location?: string;
  person?: string[];
  speaker?: string[];
  topic?: string[];
  emotion?: string[];
  json?: boolean;
}

const split = (v?: string[]) => v?.flatMap((s) => s.split(','));

/** `p8fs moments add`: write a moment by hand; the same name updates it. */
export const momentsAddCommand: CommandFactory = (io) =>
  new Command('add')
    .description('Create a moment, or update the one with the same name')
    .requiredOption('--name <name>', 'the moment name (its identity)')
    .option('--start <time>', 'when it started (ISO date or date-time)')
    .option('--end <time>', 'when it ended')
    .option('--type <type>', 'moment type, e.g. meeting, reflection, trip')
    .option('--summary <text>', 'one or two sentences')
    .option('--content <text>', 'what happened')
    .option('--location <place>', 'where')
    .option('--person <name>', 'someone present (repeatable)', collect)
    .option('--speaker <name>', 'someone who spoke (repeatable)', collect)
    .option('--topic <tag>', 'topic tag (repeatable or comma list)', collect)
    .option('--emotion <tag>', 'emotion tag (repeatable or comma list)', collect)
    .option('--json', 'print the MomentDto JSON')
    .addHelpText('after', examples('p8fs moments add --name "Q4 kickoff" --start 2024-10-01T09:00:00Z --end 2024-10-01T10:00:00Z --type meeting --person "Sarah Chen" --topic launch'))
    .action(async (opts: AddOptions, cmd: Command) => {
      const input = parseInput(MomentCreate, {
        name: opts.name, starts_at: opts.start, ends_at: opts.end, moment_type: opts.type, summary: opts.summary, content: opts.content,
        location: opts.location, present_persons: opts.person, speakers: opts.speaker, topic_tags: split(opts.topic), emotion_tags: split(opts.emotion),
      }, 'moment');
      const m = await withVault(cliContext(cmd, io), (vault) => vault.createMoment(input));
      io.out(opts.json ? json(m) : render(m));
    });
