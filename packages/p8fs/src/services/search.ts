import type { SearchHit, SearchRequest } from '@p8fs/contracts';
import { SearchRequest as SearchRequestSchema } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { type Fused, type FusionOptions, fuse, type Scored } from '../domain/fusion.js';
import { makeSnippet } from '../domain/snippet.js';
import type { Db, SqlRunner } from '../ports/db.js';
import type { EmbeddingService } from './embeddings.js';
import { toVectorLiteral } from './sql/embeddings.js';
import { countResources } from './sql/resources.js';
import * as sql from './sql/search.js';
import { requirePermission } from '../domain/scopes.js';
import type { QueryBudget } from './query-budget.js';
import type { TenantGate } from './tenant-gate.js';

export interface SearchTuning {
  fusion: FusionOptions;
  /** ts_rank weights for labels {D, C, B, A}: A = own text, B = title path, C = neighbours */
  tsWeights: [number, number, number, number];
  /** ts_rank normalisation flags: 0 = none (chosen), 1 = divide by log of the document length */
  tsNormalization: number;
  /** candidates each retriever contributes before fusion (at least the limit) */
  depth: number;
  /** keyword candidates come from the rarest query lexemes whose postings cover this many documents */
  probeBudget: number;
  /** query lexemes used at most */
  maxTerms: number;
}

/**
 * Defaults chosen on LoCoMo dev (docs/decisions/0003-search-fusion.md). The depth does not depend
 * on the limit, so the first five of a limit-20 search are the hits of a limit-5 search.
 */
export const DEFAULT_TUNING: SearchTuning = {
  fusion: { method: 'rrf', rrfK: 10, keywordWeight: 1, vectorWeight: 0.5 },
  tsWeights: [0.1, 0.5, 0.7, 1.0],
  tsNormalization: 0,
  depth: 100,
  probeBudget: 1000,
  maxTerms: 64,
};

/** How long a tenant's resource count (the IDF's N) is reused: counting a large vault costs more than a query. */
const DOC_COUNT_TTL_MS = 30_000;

export interface SearchResult {
  query: string;
  mode: 'hybrid' | 'keyword' | 'vector';
  results: SearchHit[];
  took_ms: number;
}

/** What a transport passes along with a search: the caller's abort signal. */
export interface SearchCallOptions {
  signal?: AbortSignal | undefined;
}

/** Hybrid retrieval over a tenant's resources: keyword (BM25-like) and vector, fused. */
export class SearchService {
  private readonly docCounts = new Map<string, { n: number; until: number }>();

  constructor(
    private readonly db: Db,
    private readonly embeddings: EmbeddingService,
    private readonly gate: TenantGate,
    private readonly tuning: SearchTuning = DEFAULT_TUNING,
  ) {}

  /**
   * Search the actor's vault. Input is validated here too, so every transport gets the same errors.
   * The tenant waits for one of its query slots and the search runs within the query budget.
   */
  async search(actor: Actor, input: SearchRequest, opts: SearchCallOptions = {}): Promise<SearchResult> {
    requirePermission(actor, 'vault:read');
    const req = parseRequest(input);
    return this.gate.run(actor.tenantId, opts.signal, (budget) => this.run(actor.tenantId, req, budget));
  }

  /** A search inside a request that already holds a slot and a budget (REM SEARCH, TRAVERSE WITH SEARCH). */
  async searchWithin(actor: Actor, input: SearchRequest, budget: QueryBudget): Promise<SearchResult> {
    requirePermission(actor, 'vault:read');
    return this.run(actor.tenantId, parseRequest(input), budget);
  }

  private async run(tenantId: string, req: ParsedRequest, budget: QueryBudget): Promise<SearchResult> {
    const started = performance.now();
    const filters = toFilterSql(req.filters);
    const depth = Math.max(this.tuning.depth, req.limit);
    // The query vector first: embedding is no database work, and the database is held during the read.
    const vector = req.mode === 'keyword' ? null : await this.embeddings.embedQuery(req.query);
    const results = await budget.read(this.db, async (tx) => {
      const lexemes = await sql.queryLexemes(tx, req.query, this.tuning.maxTerms);
      const keyword = req.mode === 'vector' ? [] : await this.keyword(tx, tenantId, lexemes, filters, depth);
      const vec = vector ? await this.vector(tx, tenantId, vector, filters, depth) : [];
      const ranked = this.rank(req.mode, keyword, vec).slice(0, req.limit);
      return this.present(tx, tenantId, ranked, req.query, lexemes);
    });
    return { query: req.query, mode: req.mode, results, took_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  private rank(mode: SearchResult['mode'], keyword: Scored[], vector: Scored[]): Fused[] {
    if (mode === 'hybrid') return fuse(keyword, vector, this.tuning.fusion);
    const single = (c: Scored, i: number): Fused =>
      mode === 'keyword'
        ? { id: c.id, score: c.score, keywordRank: i + 1, vectorRank: null }
        : { id: c.id, score: c.score, keywordRank: null, vectorRank: i + 1 };
    return (mode === 'keyword' ? keyword : vector).map(single);
  }

  private async present(tx: SqlRunner, tenantId: string, ranked: Fused[], query: string, lexemes: string[]): Promise<SearchHit[]> {
    const rows = new Map((await sql.hitRows(tx, tenantId, ranked.map((f) => f.id))).map((r) => [r.id, r]));
    const hits: SearchHit[] = [];
    for (const f of ranked) {
      const r = rows.get(f.id);
      if (!r) continue;
      hits.push({
        resource_id: r.id, file_id: r.file_id, uri: r.uri, name: r.name, category: r.category, content: r.content,
        snippet: makeSnippet(r.content, query, lexemes), score: f.score, ranks: { keyword: f.keywordRank, vector: f.vectorRank },
      });
    }
    return hits;
  }

  private async keyword(tx: SqlRunner, tenantId: string, lexemes: string[], f: sql.SearchFilterSql, depth: number): Promise<Scored[]> {
    if (lexemes.length === 0) return [];
    const q = { lexemes, docCount: await this.docCount(tx, tenantId), probeBudget: Math.max(this.tuning.probeBudget, depth) };
    return sql.keywordCandidates(tx, tenantId, q, f, depth, this.tuning);
  }

  private async docCount(tx: SqlRunner, tenantId: string): Promise<number> {
    const cached = this.docCounts.get(tenantId);
    if (cached && cached.until > Date.now()) return cached.n;
    const n = await countResources(tx, tenantId);
    if (this.docCounts.size >= 10_000) this.docCounts.clear();
    this.docCounts.set(tenantId, { n, until: Date.now() + DOC_COUNT_TTL_MS });
    return n;
  }

  private vector(tx: SqlRunner, tenantId: string, v: ArrayLike<number>, f: sql.SearchFilterSql, depth: number): Promise<Scored[]> {
    const provider = { id: this.embeddings.providerId, dimension: this.embeddings.dimension };
    return sql.vectorCandidates(tx, tenantId, provider, toVectorLiteral(v), f, depth);
  }
}

type ParsedRequest = ReturnType<typeof SearchRequestSchema.parse>;

function parseRequest(input: SearchRequest): ParsedRequest {
  const parsed = SearchRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  return parsed.data;
}

function toFilterSql(f: NonNullable<SearchRequest['filters']>): sql.SearchFilterSql {
  const arr = <T>(v: T | T[] | undefined): T[] | null => (v === undefined ? null : Array.isArray(v) ? v : [v]);
  return { categories: arr(f.category), fileIds: arr(f.file_id), from: toDate(f.from, 'from'), to: toDate(f.to, 'to') };
}

function toDate(s: string | undefined, field: string): Date | null {
  if (!s) return null;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new AppError('validation_failed', `filters.${field}: not a date: ${s}`);
  return d;
}
