import { RemAskRequest, type RemAskResult, type RemNode, RemQueryRequest, type RemResult } from '@p8fs/contracts';
import { AppError } from '../../../domain/errors.js';
import { Command } from 'commander';
import { type CommandFactory, numberArg, parseInput } from '../command.js';
import { cliContext } from '../context.js';
import { examples, json, oneLine, table } from '../format.js';
import { withVault } from '../vault/open.js';

interface RemOptions {
  limit?: number | string;
  json?: boolean;
  ask?: string;
}

/** `p8fs rem "QUERY"`: one REM query (LOOKUP, FUZZY, SEARCH, SELECT, TRAVERSE). */
export const remCommand: CommandFactory = (io) =>
  new Command('rem')
    .summary('query the vault with REM')
    .description(
      'Run a REM query: LOOKUP label[, label] | FUZZY text | SEARCH "text" [IN table] [LIMIT n] [THRESHOLD x] | ' +
        'SELECT ... (read-only, your rows) | TRAVERSE [rel, types] WITH LOOKUP label [DEPTH n] [DIRECTION out|in|both]',
    )
    .argument('[query]', 'the REM statement (quote it for the shell)')
    .option('--ask <question>', 'a question in plain language: the chat model (P8FS_CHAT_MODEL) plans the REM statements, which run like typed ones')
    .option('-n, --limit <n>', 'SQL: the row cap (1-1000, default 100)', numberArg)
    .option('--json', 'print the result object ({kind, nodes|rows, ...}) and nothing else')
    .addHelpText('after', examples(
      'p8fs rem "LOOKUP Sarah Chen"',
      'p8fs rem \'SEARCH "budget" IN moments THRESHOLD 0.5\'',
      'p8fs rem "SELECT category, count(*) FROM resources GROUP BY 1"',
      'p8fs rem "TRAVERSE [leads, works_on] WITH LOOKUP Sarah Chen DEPTH 2" --json',
      'p8fs rem --ask "who did I meet in Lisbon last spring?"',
    ))
    .action(async (query: string | undefined, opts: RemOptions, cmd: Command) => {
      if (opts.ask !== undefined) {
        if (query !== undefined) throw new AppError('validation_failed', 'give a REM statement or --ask "question", not both');
        const ask = parseInput(RemAskRequest, { ask: opts.ask, ...(opts.limit === undefined ? {} : { limit: opts.limit }) }, 'REM question');
        const res = await withVault(cliContext(cmd, io), (vault) => vault.remAsk(ask));
        io.out(opts.json ? json(res) : renderAsk(res));
        return;
      }
      if (query === undefined) throw new AppError('validation_failed', 'give a REM statement, or --ask "a question in plain language"');
      // Checked before the vault opens, so an empty query fails fast.
      const request = parseInput(RemQueryRequest, { query, ...(opts.limit === undefined ? {} : { limit: opts.limit }) }, 'REM query');
      const res = await withVault(cliContext(cmd, io), (vault) => vault.rem(request));
      io.out(opts.json ? json(res) : render(res));
    });

/** A planned question for people: the plan, then each statement's result. */
export function renderAsk(res: RemAskResult): string {
  const head = [`plan (${res.plan.model}):`, ...res.plan.statements.map((s, i) => `  ${i + 1}. ${s}`), ...(res.plan.note ? [`  ${res.plan.note}`] : [])];
  const parts = res.results.map((r, i) => `\n${i + 1}. ${r.query}\n${render(r)}`);
  return `${head.join('\n')}\n${parts.join('')}`;
}

/** The result for people: a table of nodes or rows, then memos and notes. */
export function render(res: RemResult): string {
  const parts: string[] = [];
  if (res.kind === 'sql') parts.push(rowsTable(res.columns ?? [], res.rows ?? []));
  else if (res.kind === 'plan') parts.push(nodesTable(res.plan?.entry ?? []), planTable(res));
  else parts.push(nodesTable(res.nodes ?? []));
  for (const s of res.stages ?? []) parts.push(`  ${s.memo}\n`);
  if (res.truncated) parts.push(`(cut at the cap: ${res.kind === 'sql' ? 'raise --limit' : 'add LIMIT n'} for more)\n`);
  parts.push(`${res.kind} · ${res.took_ms} ms\n`);
  return parts.join('');
}

function nodesTable(nodes: readonly RemNode[]): string {
  if (nodes.length === 0) return 'no nodes\n';
  const extra = (n: RemNode) => (n.depth !== undefined ? `d${n.depth}${n.via ? ` ${n.via.rel}` : ''}` : n.score !== undefined ? n.score.toFixed(3) : '');
  const rows = nodes.map((n) => [n.table, oneLine(n.label, 50), oneLine(n.type, 20), extra(n), n.uri ?? '']);
  return table([['TABLE', 'LABEL', 'TYPE', '', 'URI'], ...rows]);
}

function planTable(res: RemResult): string {
  const h = res.plan?.histogram ?? [];
  if (h.length === 0) return 'no edges from the entry nodes\n';
  return table([['REL', 'DIR', 'COUNT', 'SAMPLES'], ...h.map((e) => [e.rel, e.direction, String(e.count), oneLine(e.samples.join(', '), 80)])]);
}

function rowsTable(columns: readonly string[], rows: readonly Record<string, unknown>[]): string {
  if (rows.length === 0) return 'no rows\n';
  const cell = (v: unknown) => oneLine(v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v), 60);
  return table([[...columns], ...rows.map((r) => columns.map((c) => cell(r[c])))]);
}
