import { Command } from 'commander';
import { CONFIG_KEYS, envName, flagName } from '../../../config/load.js';
import type { CommandFactory } from '../command.js';
import { maskConfigValue } from '../config-flags.js';
import { cliContext } from '../context.js';
import { examples, json, table } from '../format.js';

/** `p8fs config`: the effective config, secrets masked, with where each value came from. */
export const configCommand: CommandFactory = (io) =>
  new Command('config')
    .summary('print the effective configuration and its sources')
    .description('Print the effective configuration (secrets masked) and where each value came from')
    .option('--json', 'print {key: {value, source, env, flag}}')
    .addHelpText('after', examples('p8fs config', 'P8FS_WORKERS=4 p8fs config --port 9000 --json'))
    .action((opts: { json?: boolean }, cmd: Command) => {
      const { config, sources } = cliContext(cmd, io);
      const entries = CONFIG_KEYS.map((key) => ({
        key, value: maskConfigValue(key, config[key]) ?? null, source: sources[key], env: envName(key), flag: `--${flagName(key)}`,
      }));
      if (opts.json) return io.out(json(Object.fromEntries(entries.map(({ key, ...rest }) => [key, rest]))));
      io.out(table([
        ['KEY', 'VALUE', 'SOURCE', 'SET BY'],
        ...entries.map((e) => [e.key, e.value === null ? '-' : String(e.value), e.source, `${e.env} / ${e.flag}`]),
      ]));
    });
