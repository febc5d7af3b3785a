import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { CliExit, EXIT } from '../exit-codes.js';
import { examples, json } from '../format.js';
import { createProgress } from '../ingest/progress.js';
import { runIngest } from '../ingest/run.js';
import { scanPaths } from '../ingest/scan.js';
import { renderSummary } from '../ingest/summary.js';
import { withVault } from '../vault/open.js';

interface IngestOptions {
  recursive?: boolean;
  wait?: boolean;
  json?: boolean;
}

/** `p8fs ingest PATH...`: sync local files and folders into the vault. */
export const ingestCommand: CommandFactory = (io) =>
  new Command('ingest')
    .summary('upload new and changed local files and folders')
    .description(
      'Upload local files and folders; only new or changed files are sent (compared by sha256 with the file stored ' +
        'under the same absolute path). Inside folders, hidden files and folders (.git, .obsidian), node_modules and ' +
        'symbolic links are skipped.',
    )
    .argument('<paths...>', 'files and folders')
    .option('-r, --recursive', 'ingest the files inside folders, at any depth')
    .option('--wait', 'wait until every uploaded file is indexed or failed (runs the jobs in process when there is no server); exit 5 if any failed')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', examples('p8fs ingest notes.md report.pdf', 'p8fs ingest -r ~/vault --wait', 'p8fs ingest -r ~/vault --server http://127.0.0.1:8808 --json'))
    .action(async (paths: string[], opts: IngestOptions, cmd: Command) => {
      const ctx = cliContext(cmd, io);
      const files = await scanPaths(paths, { recursive: opts.recursive ?? false });
      const summary = await withVault(ctx, (vault) => runIngest(vault, files, { wait: opts.wait ?? false }, createProgress(io)));
      io.out(opts.json ? json(summary) : renderSummary(summary));
      if (summary.failed > 0) throw new CliExit(EXIT.ingestFailed);
    });
