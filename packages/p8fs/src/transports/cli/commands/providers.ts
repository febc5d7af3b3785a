import { Command } from 'commander';
import { ProcessToolRunner } from '../../../adapters/tools/process-tool-runner.js';
import { createParserRegistry } from '../../../parsers/index.js';
import type { Parser } from '../../../ports/parser.js';
import { TOOL_PACKAGES } from '../../../ports/tools.js';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, table } from '../format.js';

/** `p8fs providers`: the parsers this build has, the system tools they use, OCR and speech-to-text. */
export const providersCommand: CommandFactory = (io) =>
  new Command('providers')
    .summary('list the file parsers, the system tools they use, and the OCR and transcription providers')
    .description(
      'List every file parser (id, version, media types, extensions), whether each external program the ' +
        'media and legacy-format parsers run is installed (and the Debian package to install if not), and the ' +
        'configured OCR engine and speech-to-text provider. Needs no vault',
    )
    .option('--json', 'print {parsers:[{id,version,mediaTypes,extensions}],tools:[{name,path,package}],ocr,transcriber} and nothing else')
    .addHelpText('after', examples('p8fs providers', 'p8fs providers --json | jq -r ".tools[] | select(.path == null) | .package"'))
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const { config } = cliContext(cmd, io);
      const parsers = createParserRegistry().list().map(describe);
      const runner = new ProcessToolRunner();
      const tools = await Promise.all(
        Object.entries(TOOL_PACKAGES).map(async ([name, pkg]) => ({ name, path: await runner.which(name), package: pkg })),
      );
      const speech = config.transcriber === 'openai' ? `openai-compatible at ${config.transcriberUrl}` : config.transcriber;
      if (opts.json) {
        io.out(json({ parsers, tools, ocr: config.ocrProvider, transcriber: config.transcriber }));
        return;
      }
      io.out(table([['PARSER', 'VERSION', 'EXTENSIONS', 'MEDIA TYPES'], ...parsers.map((p) => [p.id, String(p.version), p.extensions.join(' '), p.mediaTypes.join(' ')])]));
      io.out('\n');
      io.out(table([['TOOL', 'STATUS'], ...tools.map((t) => [t.name, t.path ?? `missing: apt-get install ${t.package}`])]));
      if (tools.some((t) => !t.path)) io.out(TOOLS_NOTE);
      io.out(`\nOCR: ${config.ocrProvider} (--ocr-provider)\nspeech-to-text: ${speech} (--transcriber)\n`);
    });

// An `npm i -g` user has no root and no apt: say what a missing tool costs and the other ways to get one.
const TOOLS_NOTE = [
  '',
  'The tools are optional: without one, only the files that need it fail (parser.tool_missing, naming the',
  'package) and everything else works. Debian/Ubuntu: sudo apt-get install the package shown (scripts/setup-system.sh installs',
  'them all); elsewhere, install the program with your system\'s package manager (Homebrew, dnf, ...) so that it',
  'is on PATH; or run workers from the full image (deploy/docker/Dockerfile.worker), which has them all.',
  '',
].join('\n');

function describe(p: Parser) {
  return { id: p.id, version: p.version, mediaTypes: [...p.mediaTypes], extensions: [...p.extensions] };
}
