import type { RemAskResult, RemNode, RemResult } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { FusionOptions } from '../../domain/fusion.js';
import { REM_LIMITS, REM_STATEMENT_KEYWORDS, REM_SYNTAX, type RemQuery, type SearchQuery, type TraverseQuery } from '../../domain/rem/ast.js';
import { caret } from '../../domain/rem/errors.js';
import { parseRem, startsWithRemKeyword } from '../../domain/rem/parser.js';
import type { Db } from '../../ports/db.js';
import type { QueryPlan, QueryPlanner } from '../../ports/query-planner.js';
import type { GraphService } from '../graph/service.js';
import type { GraphNode } from '../graph/types.js';
import { DEFAULT_TUNING, type SearchService } from '../search.js';
import { remSearch } from './search.js';
import { execGuarded } from './sql-exec.js';
import { guardSql, SQL_ROW_CAP } from './sql-guard.js';
import { REM_SQL_TABLES } from './sql-policy.js';
import { requirePermission } from '../../domain/scopes.js';
import type { QueryBudget } from '../query-budget.js';
import type { TenantGate } from '../tenant-gate.js';
import { type DeviceRate, takeModelRequest } from '../../domain/chat/device-rate.js';

export interface RemQueryOptions {
  /** true: natural language goes to the planner; false: never; unset: when a planner is configured. */
  ask?: boolean;
  /** SQL row cap (default 100, at most 1000). */
  limit?: number;
  /** The caller's abort signal: a statement whose caller went away is stopped. */
  signal?: AbortSignal | undefined;
}

export interface RemServiceOptions {
  /** NL -> REM: the chat model's planner (services/chat/planner.ts) when a model is configured. */
  planner?: QueryPlanner | undefined;
  /** Each plan is a model request: counted per device with chat's requests (chatRequestsPerMinute). */
  askRate?: { rate: DeviceRate; perMinute: number } | undefined;
  /** The search's fusion settings, to put SEARCH scores on a 0..1 scale (search.ts in this folder). */
  fusion?: FusionOptions;
}

type Body = Omit<RemResult, 'query' | 'took_ms'>;

/** REM: one entry point for LOOKUP, FUZZY, SEARCH, read-only SQL and TRAVERSE, scoped to the actor. */
export class RemService {
  constructor(
    private readonly db: Db,
    private readonly search: SearchService,
    private readonly graph: GraphService,
    private readonly gate: TenantGate,
    private readonly opts: RemServiceOptions = {},
  ) {}

  async query(actor: Actor, text: string, opts: RemQueryOptions = {}): Promise<RemResult> {
    requirePermission(actor, 'vault:read');
    const started = performance.now();
    const statement = await this.toRem(actor, text, opts.ask, opts.signal);
    const q = parseRem(statement);
    const body = await this.gate.run(actor.tenantId, opts.signal, (budget) => this.run(actor, q, opts, budget));
    return { ...body, query: statement.trim(), took_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  /**
   * Run a query already in AST form (MCP tools build one from typed arguments, so no label ever
   * needs quoting into REM text). Bounds are the parser's: the same checks apply.
   */
  async execute(actor: Actor, q: RemQuery, opts: RemQueryOptions = {}): Promise<RemResult> {
    requirePermission(actor, 'vault:read');
    const started = performance.now();
    const checked = checkBounds(q);
    const body = await this.gate.run(actor.tenantId, opts.signal, (budget) => this.run(actor, checked, opts, budget));
    return { ...body, query: q.kind, took_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  /**
   * A question in plain language (`p8fs rem --ask`, `{"ask": …}`): the planner's REM statements, each
   * run through query() exactly as if typed (same guard, gate and budget), with the plan.
   */
  async ask(actor: Actor, question: string, opts: Omit<RemQueryOptions, 'ask'> = {}): Promise<RemAskResult> {
    requirePermission(actor, 'vault:read');
    const started = performance.now();
    const plan = await this.plan(actor, question, opts.signal);
    const results: RemResult[] = [];
    for (const statement of plan.statements) results.push(await this.query(actor, statement, { ...opts, ask: false }));
    return { ask: question, plan, results, took_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  /** The REM statement to run: the text itself, or the planner's translation of a question. */
  private async toRem(actor: Actor, text: string, ask: boolean | undefined, signal?: AbortSignal): Promise<string> {
    if (startsWithRemKeyword(text) || ask === false || text.trim() === '') return text;
    return (await this.plan(actor, text, signal)).statements[0] as string;
  }

  /** The planner's statements for a question; without a planner, the forms to write instead. */
  private async plan(actor: Actor, text: string, signal: AbortSignal | undefined): Promise<QueryPlan> {
    const planner = this.opts.planner;
    if (!planner) {
      const found = /^\s*(\S*)/.exec(text)?.[1] ?? '';
      const position = text.length - text.trimStart().length;
      throw new AppError(
        'rem.syntax',
        `"${found}" does not start a REM statement; natural-language questions need a configured query planner ` +
          `(a chat model: P8FS_CHAT_MODEL). Write one of:\n${REM_SYNTAX}\n${caret(text, position)}`,
        { position, expected: [...REM_STATEMENT_KEYWORDS], found },
      );
    }
    if (this.opts.askRate) takeModelRequest(this.opts.askRate.rate, actor, this.opts.askRate.perMinute, 'chat and rem --ask');
    const plan = await planner.plan(text, { syntax: REM_SYNTAX, tables: Object.keys(REM_SQL_TABLES), columns: REM_SQL_TABLES, signal });
    return typeof plan === 'string' ? { statements: [plan], model: 'planner', note: null } : plan;
  }

  private async run(actor: Actor, q: RemQuery, opts: RemQueryOptions, budget: QueryBudget): Promise<Body> {
    switch (q.kind) {
      case 'lookup':
        return { kind: 'lookup', nodes: (await this.graph.lookup(actor, q.keys, budget)).map(toRemNode), truncated: false };
      case 'fuzzy': {
        const nodes = await this.graph.fuzzy(actor, q.text, { limit: q.limit, ...(q.threshold === undefined ? {} : { threshold: q.threshold }) }, budget);
        return { kind: 'fuzzy', nodes: nodes.map(toRemNode), truncated: false };
      }
      case 'search':
        return { kind: 'search', nodes: await this.searchNodes(actor, q, budget), truncated: false };
      case 'sql': {
        const guarded = await guardSql(q.sql, opts.limit ?? SQL_ROW_CAP.default);
        const r = await execGuarded(this.db, actor.tenantId, guarded, budget);
        return { kind: 'sql', rows: r.rows, columns: r.columns, truncated: r.truncated };
      }
      case 'traverse':
        return this.traverse(actor, q, budget);
    }
  }

  private searchNodes(actor: Actor, q: SearchQuery, budget: QueryBudget): Promise<RemNode[]> {
    return remSearch(this.db, this.search, this.opts.fusion ?? DEFAULT_TUNING.fusion, actor, q, budget);
  }

  private async traverse(actor: Actor, q: TraverseQuery, budget: QueryBudget): Promise<Body> {
    const entry: RemNode[] =
      q.entry.kind === 'lookup' ? (await this.graph.lookup(actor, q.entry.keys, budget)).map(toRemNode) : await this.searchNodes(actor, q.entry, budget);
    const from = entry.map(toGraphNode);
    if (q.plan) {
      const plan = await this.graph.plan(actor, from, q.relTypes, q.direction, budget);
      return { kind: 'plan', nodes: entry, plan: { entry, histogram: plan.histogram }, truncated: false };
    }
    if (entry.length === 0) {
      const memo = `depth 0: the ${q.entry.kind.toUpperCase()} found no entry node, nothing to walk`;
      return { kind: 'traverse', nodes: [], stages: [{ depth: 0, memo, nodes: 0 }], edges: [], truncated: false };
    }
    const walk = await this.graph.traverse(actor, { from, relTypes: q.relTypes, depth: q.depth, direction: q.direction, limit: q.limit }, budget);
    const memo = `depth 0: ${entry.length} entry node${entry.length === 1 ? '' : 's'} from ${q.entry.kind.toUpperCase()}`;
    return {
      kind: 'traverse',
      nodes: [...entry.map((n) => ({ ...n, depth: 0 })), ...walk.nodes.map(toRemNode)],
      stages: [{ depth: 0, memo, nodes: entry.length }, ...walk.stages],
      edges: walk.edges,
      truncated: walk.truncated,
    };
  }
}

function toRemNode(n: GraphNode & { score?: number }): RemNode {
  return { ...n };
}

// SEARCH nodes carry a score and metadata the graph does not need; the walk wants only the node.
function toGraphNode(n: RemNode): GraphNode {
  const { score: _score, ...rest } = n;
  return rest as GraphNode;
}

/** The parser's bounds for an AST built elsewhere: a bound exceeded is rem.limit, as in text. */
function checkBounds(q: RemQuery): RemQuery {
  const over = (what: string, v: number, max: number, min = 1) => {
    if (!Number.isInteger(v) || v < min || v > max) throw new AppError('rem.limit', `${what} must be ${min}..${max}, got ${v}`);
  };
  if (q.kind === 'lookup') over('LOOKUP labels', q.keys.length, REM_LIMITS.lookupKeys);
  if (q.kind === 'search' || q.kind === 'fuzzy') over('LIMIT', q.limit, REM_LIMITS[q.kind].max);
  if (q.kind === 'traverse') {
    over('DEPTH', q.depth, REM_LIMITS.depth.max, 0);
    over('LIMIT', q.limit, REM_LIMITS.traverse.max);
    checkBounds(q.entry);
  }
  return q;
}
