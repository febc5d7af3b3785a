import { CommanderError } from 'commander';
import { errorMessage, isAppError } from '../../domain/errors.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';
import { type CliIo, processIo } from './io.js';
import { buildProgram } from './program.js';
import { COMMIT, VERSION, VERSION_LINE } from '../../version.js';

/** Run `p8fs` with argv (node, script, ...args); resolves to the exit code. Errors are printed here, once. */
export async function run(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    // `p8fs --version --json`: commander answers --version as soon as it sees it, so the JSON form is taken here.
    const args = argv.slice(2);
    if (args.length === 2 && args.includes('--json') && (args.includes('--version') || args.includes('-V'))) {
      io.out(`${JSON.stringify({ version: VERSION, commit: COMMIT })}\n`);
      return EXIT.ok;
    }
    await buildProgram(io, VERSION_LINE).parseAsync([...argv]);
    return EXIT.ok;
  } catch (err) {
    return report(err, io);
  }
}

/** The binary's entry point: run, then exit with the code (a stray handle must not keep a finished command alive). */
export async function main(argv: readonly string[]): Promise<void> {
  // Everything p8fs creates (the data dir, its database, blobs, keys, credentials) is the user's
  // alone; existing vaults are repaired where the data dir is opened (adapters/db/data-dir-perms.ts).
  process.umask(0o077);
  // `p8fs ... | head` closes the pipe early: the reader has what it wanted, which is not a crash.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(EXIT.ok);
      throw err;
    });
  }
  const code = await run(argv);
  // A pipe takes only so much at once; exiting before it drains would cut a large --json short.
  await Promise.all([drain(process.stdout), drain(process.stderr)]);
  process.exit(code);
}

function drain(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => stream.write('', () => resolve()));
}

function report(err: unknown, io: CliIo): number {
  if (err instanceof CommanderError) {
    // commander has already printed its message (or the help / version it was asked for).
    const shown = err.code === 'commander.helpDisplayed' || err.code === 'commander.version';
    return shown ? EXIT.ok : EXIT.usage;
  }
  if (err instanceof CliExit) return err.exitCode;
  if (isAppError(err)) io.err(`p8fs: ${err.message}\n`);
  else io.err(`p8fs: ${err instanceof Error && err.stack ? err.stack : errorMessage(err)}\n`);
  return exitCodeFor(err);
}
