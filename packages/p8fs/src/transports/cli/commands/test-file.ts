import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { examples, formatBytes, json, table } from '../format.js';
import { resolveLocalFile } from './parse-file.js';

/** `p8fs test-file FILE`: which parser would take a file, and why. */
export const testFileCommand: CommandFactory = (io) =>
  new Command('test-file')
    .summary('say which parser takes a file, and why')
    .description(
      'Say which parser takes a local file, the media type it is read as and the rule that decided it. ' +
        'Nothing is parsed or stored; needs no vault. An unsupported file exits 5 with the reason',
    )
    .argument('<file>', 'a local file')
    .option('--json', 'print {file,size,parser:{id,version},mimeType,reason} and nothing else')
    .addHelpText('after', examples('p8fs test-file report.pdf', 'p8fs test-file notes.txt --json | jq -r .parser.id'))
    .action(async (file: string, opts: { json?: boolean }) => {
      const { bytes, resolution } = await resolveLocalFile(file);
      const { parser, mimeType, reason } = resolution;
      if (opts.json) {
        io.out(json({ file, size: bytes.length, parser: { id: parser.id, version: parser.version }, mimeType, reason }));
        return;
      }
      io.out(table([
        ['file', `${file} (${formatBytes(bytes.length)})`],
        ['parser', `${parser.id} v${parser.version}`],
        ['type', mimeType],
        ['reason', reason],
      ]));
    });
