import { SEARCH_MODES, type SearchHit, SearchRequest } from '@p8fs/contracts';
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
  json?: boolean;
}

const collect = (value: string, prev: string[] = []) => [...prev, value];

/** `p8fs search "text"`: hybrid search over the vault. */
export const searchCommand: CommandFactory = (io) =>
  new Command('search')
    .summary('search the vault')
    .description('Search the vault: keyword and vector retrieval fused into one ranking')
    .argument('<query>', 'what to look for')
    .option('-n, --limit <n>', 'how many results (1-100)', numberArg)
    .addOption(new Option('--mode <mode>', 'retrieval mode').choices(SEARCH_MODES).default('hybrid'))
    .option('--category <category>', 'only resources of this category (repeatable)', collect)
    .option('--file <id>', 'only chunks of this file id (repeatable)', collect)
    .option('--json', 'print {"results":[{resource_id,file_id,uri,name,content,score}]} and nothing else')
    .addHelpText('after', examples('p8fs search "quarterly planning"', 'p8fs search "sarah chen" --limit 3 --mode keyword', 'p8fs search "budget" --json | jq ".results[0].uri"'))
    .action(async (query: string, opts: SearchOptions, cmd: Command) => {
      // Checked before the vault opens, so a bad query fails fast and never loads a model.
      const request = parseInput(SearchRequest, {
        query, limit: opts.limit, mode: opts.mode,
        filters: { ...(opts.category ? { category: opts.category } : {}), ...(opts.file ? { file_id: opts.file } : {}) },
      }, 'search');
      const ctx = cliContext(cmd, io);
      const res = await withVault(ctx, (vault) => vault.search(request));
      io.out(opts.json ? json({ results: res.results.map(pick) }) : render(query, res.results));
    });

function pick(h: SearchHit) {
  return { resource_id: h.resource_id, file_id: h.file_id, uri: h.uri, name: h.name, content: h.content, score: h.score };
}

function render(query: string, hits: SearchHit[]): string {
  if (hits.length === 0) return `no results for "${query}"\n`;
  return hits
    .map((h, i) => {
      const label = h.name === h.uri ? h.uri : `${h.name}  ${h.uri}`;
      return `${String(i + 1).padStart(2)}. ${h.score.toFixed(4)}  ${label}\n    ${oneLine(h.snippet || h.content, 200)}\n`;
    })
    .join('');
}
