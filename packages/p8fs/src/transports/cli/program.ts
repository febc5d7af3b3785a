import { Command } from 'commander';
import { COMMANDS } from './commands/index.js';
import { addConfigOptions } from './config-flags.js';
import type { CliIo } from './io.js';

const ABOUT = [
  'P8FS: a memory vault. Files go in, chunks and vectors come out, search finds them.',
  '',
  'Commands run in process on the data dir (P8FS_DATA_DIR / --data-dir), or against a server with --server URL ' +
    '(P8FS_SERVER). While `p8fs serve` holds the data dir, commands go through it.',
].join('\n');

const EXIT_HELP = `
Exit codes:
  0  ok
  1  unexpected error (server unreachable, internal failure)
  2  bad input or configuration (every problem is listed)
  3  not found
  4  conflict (the data dir is held by another process)
  5  ingest failures (a file could not be uploaded or processed)
`;

/** The `p8fs` program: config options, the registered commands, help and errors routed through io. */
export function buildProgram(io: CliIo, version: string): Command {
  const program = new Command('p8fs')
    .description(ABOUT)
    .version(version, '-V, --version', 'print the version and the commit it was built from (with --json: {version, commit})')
    .addHelpText('after', EXIT_HELP)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  addConfigOptions(program);
  for (const make of COMMANDS) adopt(program, make(io));
  return program;
}

// Commands built with `new Command()` do not inherit settings (exit override, output); copy them down the tree.
function adopt(parent: Command, cmd: Command): void {
  cmd.copyInheritedSettings(parent);
  cmd.addHelpText('after', 'Config options (--data-dir, --server, --log-level, …) work here too: see `p8fs --help`.\n');
  for (const sub of cmd.commands) adopt(cmd, sub);
  if (!parent.commands.includes(cmd)) parent.addCommand(cmd);
}
