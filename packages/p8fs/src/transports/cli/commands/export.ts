import { Presets, SingleBar } from 'cli-progress';
import { Command, Option } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { type ExportFormat, type ExportProgress, runExport } from '../export/run.js';
import { examples, json } from '../format.js';
import type { CliIo } from '../io.js';
import { withVault } from '../vault/open.js';

interface ExportFlags {
  format: ExportFormat;
  originals: boolean;
  vectors?: boolean;
  force?: boolean;
  json?: boolean;
}

/**
 * `p8fs export --format markdown|jsonl DIR`: the user's content in open formats, readable without
 * P8FS (issue 19). Works in process and against a running server alike (the VaultClient decides).
 */
export const exportCommand: CommandFactory = (io) =>
  new Command('export')
    .summary('write your content as Markdown or JSON Lines')
    .description('Write the vault\'s content into DIR in open formats: Markdown notes with YAML frontmatter, or JSON Lines; the original files under originals/')
    .argument('<dir>', 'an empty folder (created if missing)')
    .addOption(new Option('--format <format>', 'markdown: one note per file and moment; jsonl: files, resources, moments and edges').choices(['markdown', 'jsonl']).default('markdown'))
    .option('--no-originals', 'skip the original files')
    .option('--vectors', 'jsonl: include each resource\'s embedding vector')
    .option('--force', 'write into a folder that is not empty')
    .option('--json', 'print a JSON summary')
    .addHelpText('after', examples('p8fs export ~/vault-export', 'p8fs export --format jsonl --vectors ./dump', 'p8fs export --no-originals --json ./notes'))
    .action(async (dir: string, opts: ExportFlags, cmd: Command) => {
      const summary = await withVault(cliContext(cmd, io), (vault) =>
        runExport(vault, dir, { format: opts.format, originals: opts.originals, vectors: opts.vectors ?? false, force: opts.force ?? false }, progressFor(io)));
      if (opts.json) return io.out(json(summary));
      const parts = [`${summary.files} files`, `${summary.moments} moments`, ...(summary.format === 'jsonl' ? [`${summary.resources} resources`, `${summary.edges} edges`] : []), `${summary.originals} originals`];
      io.out(`exported ${parts.join(', ')} to ${summary.dir} (${summary.format})\n`);
    });

/** A bar on a terminal; nothing when piped (the summary says what was written). */
function progressFor(io: CliIo): ExportProgress {
  if (!io.stderr.isTTY) return { start() {}, advance() {}, stop() {} };
  const bar = new SingleBar({ format: 'export [{bar}] {value}/{total} | {uri}', stream: io.stderr, hideCursor: true, clearOnComplete: false }, Presets.shades_classic);
  return {
    start: (total) => bar.start(total, 0, { uri: '' }),
    advance: (uri) => bar.increment(1, { uri: uri.length > 40 ? `…${uri.slice(-39)}` : uri }),
    stop: () => bar.stop(),
  };
}
