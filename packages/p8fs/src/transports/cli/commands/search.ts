import { SEARCH_MODES, type SearchHit, SearchRequest } from '@p8fs/contracts';
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { type CommandFactory, numberArg, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, oneLine } from '../format.js';
import { withVault } from '../vault/open.js';

interface SearchOptions {
  limit?: number | string;
  mode?: string;
  category?: string[];
  file?: string[];
  from?: string;
  to?: string;
  tag?: string[];
  type?: string[];
  folder?: string[];
  chunks?: boolean;
  json?: boolean;
}

const collect = (value: string, prev: string[] = []) => [...prev, value];

/** `p8fs search "text"`: hybrid search over the vault. */
export const searchCommand: CommandFactory = (io) =>
  new Command('search')
    .summary('search the vault')
    .description(
      'Search the vault: keyword and vector retrieval fused into one ranking. One result per file: its best passage ranks it, up to ' +
      'three more matching passages and identical copies are listed under it (--chunks: every passage). Scores are 0..1 ' +
      '(1 = first by both keyword and meaning); matches under the relevance floor (searchMinScore) are not shown.',
    )
    .argument('<query>', 'what to look for')
    .option('-n, --limit <n>', 'how many results (1-100)', numberArg)
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(SEARCH_MODES).default('hybrid'))
    .option('--category <category>', 'only resources of this category (repeatable)', collect)
    .option('--file <id>', 'only chunks of this file id (repeatable)', collect)
    .option('--from <date>', 'only content dated on or after this ISO date: an e-mail\'s Date, a photo\'s EXIF time, a note\'s frontmatter date or created; else the upload time')
    .option('--to <date>', 'only content dated on or before this ISO date (the same dates as --from)')
    .option('--tag <tag>', 'only files with this tag, frontmatter or inline #tag (repeatable: any of them)', collect)
    .option('--type <type>', 'only files of this type: MIME type, family (audio, image) or extension (pdf, md) (repeatable)', collect)
    .option('--folder <path>', 'only files whose uri is under this folder; a local folder is made absolute, as ingest stores it (repeatable)', collect)
    .option('--chunks', 'list every matching passage instead of one result per file')
    .option('--json', 'print {"results":[{resource_id,file_id,uri,name,content,score,passages?,duplicates?,low_accuracy?}]} and nothing else')
    .addHelpText('after', examples('p8fs search "quarterly planning"', 'p8fs search "flight" --from 2024-05-01 --to 2024-05-31 --tag travel', 'p8fs search "invoice" --type pdf --folder ~/Documents --chunks', 'p8fs search "sarah chen" --limit 3 --mode keyword', 'p8fs search "budget" --json | jq ".results[0].uri"'))
    .action(async (query: string, opts: SearchOptions, cmd: Command) => {
      // Checked before the vault opens, so a bad query fails fast and never loads a model.
      const request = parseInput(SearchRequest, {
        query, limit: opts.limit, mode: opts.mode, group: opts.chunks ? 'chunk' : 'file',
        filters: {
          ...(opts.category ? { category: opts.category } : {}), ...(opts.file ? { file_id: opts.file } : {}),
          ...(opts.from ? { from: opts.from } : {}), ...(opts.to ? { to: opts.to } : {}), ...(opts.tag ? { tag: opts.tag } : {}),
          ...(opts.type ? { type: opts.type } : {}), ...(opts.folder ? { folder: opts.folder.map(folderPrefix) } : {}),
        },
      }, 'search');
      const ctx = cliContext(cmd, io);
      const res = await withVault(ctx, (vault) => vault.search(request));
      io.out(opts.json ? json({ results: res.results.map(pick) }) : render(query, res.results));
    });

/** A folder that exists here is the absolute path `p8fs ingest` stored its files under; anything else goes as typed. */
function folderPrefix(folder: string): string {
  const abs = resolve(folder);
  return existsSync(abs) && statSync(abs).isDirectory() ? abs : folder;
}

function pick(h: SearchHit) {
  return {
    resource_id: h.resource_id, file_id: h.file_id, uri: h.uri, name: h.name, content: h.content, score: h.score,
    ...(h.passages?.length ? { passages: h.passages } : {}), ...(h.duplicates ? { duplicates: h.duplicates } : {}),
    ...(h.low_accuracy ? { low_accuracy: true } : {}),
  };
}

function render(query: string, hits: SearchHit[]): string {
  if (hits.length === 0) return `no results for "${query}"\n`;
  return hits
    .map((h, i) => {
      const label = h.name === h.uri ? h.uri : `${h.name}  ${h.uri}`;
      const lines = [`${String(i + 1).padStart(2)}. ${h.score.toFixed(4)}  ${label}`, `    ${oneLine(h.snippet || h.content, 200)}`];
      if (h.low_accuracy) lines.push('    (low-accuracy machine transcript: check the recording before relying on it)');
      for (const p of h.passages ?? []) lines.push(`    + ${p.score.toFixed(4)}  ${p.uri}  ${oneLine(p.snippet, 120)}`);
      if (h.duplicates?.length) lines.push(`    = identical copies: ${h.duplicates.map((d) => d.uri).join(', ')}`);
      return `${lines.join('\n')}\n`;
    })
    .join('');
}
