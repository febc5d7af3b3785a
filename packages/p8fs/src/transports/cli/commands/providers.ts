import { Command } from 'commander';
import type { Parser } from '../../../ports/parser.js';
import { createParserRegistry } from '../../../parsers/index.js';
import type { CommandFactory } from '../command.js';
import { examples, json, table } from '../format.js';

/** `p8fs providers`: the parsers this build has, and what each one reads. */
export const providersCommand: CommandFactory = (io) =>
  new Command('providers')
    .summary('list the file parsers and the formats they read')
    .description('List every file parser: id, version, media types and extensions. Needs no vault')
    .option('--json', 'print [{id,version,mediaTypes,extensions}] and nothing else')
    .addHelpText('after', examples('p8fs providers', 'p8fs providers --json | jq -r ".[].id"'))
    .action((opts: { json?: boolean }) => {
      const parsers = createParserRegistry().list();
      io.out(opts.json ? json(parsers.map(describe)) : render(parsers));
    });

function describe(p: Parser) {
  return { id: p.id, version: p.version, mediaTypes: [...p.mediaTypes], extensions: [...p.extensions] };
}

function render(parsers: readonly Parser[]): string {
  const rows = parsers.map((p) => [p.id, String(p.version), p.extensions.join(' '), p.mediaTypes.join(' ')]);
  return table([['PARSER', 'VERSION', 'EXTENSIONS', 'MEDIA TYPES'], ...rows]);
}
