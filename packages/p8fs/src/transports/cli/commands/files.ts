import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { examples } from '../format.js';
import { filesInfoCommand } from './files-info.js';
import { filesLsCommand } from './files-ls.js';
import { filesReprocessCommand } from './files-reprocess.js';
import { filesRmCommand } from './files-rm.js';

/** `p8fs files ls|info|rm`: the files in the vault. */
export const filesCommand: CommandFactory = (io) =>
  new Command('files')
    .summary('list, inspect and delete files')
    .description('List, inspect and delete the files in the vault')
    .addHelpText('after', examples('p8fs files ls --status failed', 'p8fs files info 0b6e…', 'p8fs files rm 0b6e… 91c2…'))
    .addCommand(filesLsCommand(io))
    .addCommand(filesInfoCommand(io))
    .addCommand(filesRmCommand(io))
    .addCommand(filesReprocessCommand(io));
