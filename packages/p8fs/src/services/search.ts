import type { SearchHit, SearchRequest } from '@p8fs/contracts';
import { SearchRequest as SearchRequestSchema } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { bestPossibleScore, type Fused, type FusionOptions, fuse, type Scored, unitScore } from '../domain/fusion.js';
import { type GroupableHit, groupByFile } from '../domain/search-groups.js';
import { tagLabel } from '../domain/graph.js';
import { makeSnippet } from '../domain/snippet.js';
import type { Db, SqlRunner } from '../ports/db.js';
import { type Metrics, NO_METRICS } from '../ports/metrics.js';
import { NO_TRACING, type Tracing } from '../ports/tracing.js';
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
  /** hybrid hits scoring below this (0..1) are dropped: the relevance floor (decision 0022) */
  minScore: number;
  /** a hit found by the vector retriever alone needs this share of the best cosine similarity */
  minSimilarity: number;
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
  minScore: 0.2,
  minSimilarity: 0.5,
};

/** Grouping by file looks at this many passages past the floor, so a file's other passages and copies are seen. */
const GROUP_CANDIDATES = 200;

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
    private readonly metrics: Metrics = NO_METRICS,
    private readonly tracing: Tracing = NO_TRACING,
  ) {}

  /**
   * Search the actor's vault. Input is validated here too, so every transport gets the same errors.
   * The tenant waits for one of its query slots and the search runs within the query budget.
   */
  async search(actor: Actor, input: SearchRequest, opts: SearchCallOptions = {}): Promise<SearchResult> {
    requirePermission(actor, 'vault:read');
    const req = parseRequest(input);
    return this.gate.run(actor.tenantId, opts.signal, (budget) => this.traced(actor.tenantId, req, budget));
  }

  /** A search inside a request that already holds a slot and a budget (REM SEARCH, TRAVERSE WITH SEARCH). */
  async searchWithin(actor: Actor, input: SearchRequest, budget: QueryBudget): Promise<SearchResult> {
    requirePermission(actor, 'vault:read');
    return this.traced(actor.tenantId, parseRequest(input), budget);
  }

  /** One span per search (decision 0024); the embed and database spans are its children. */
  private traced(tenantId: string, req: ParsedRequest, budget: QueryBudget): Promise<SearchResult> {
    return this.tracing.span('search', () => this.run(tenantId, req, budget), { attributes: { 'p8fs.search.mode': req.mode } });
  }

  private async run(tenantId: string, req: ParsedRequest, budget: QueryBudget): Promise<SearchResult> {
    const started = performance.now();
    const filters = toFilterSql(req.filters);
    const depth = Math.max(this.tuning.depth, req.limit);
    // The query vector first: embedding is no database work, and the database is held during the read.
    const vector = req.mode === 'keyword' ? null : await this.embeddings.embedQuery(req.query);
    const results = await budget.read(this.db, async (tx) => {
      if (req.files) filters.fileIds = intersect(filters.fileIds, await sql.filesMatching(tx, tenantId, req.files));
      const lexemes = await sql.queryLexemes(tx, req.query, this.tuning.maxTerms);
      const keyword = req.mode === 'vector' ? [] : await this.keyword(tx, tenantId, lexemes, filters, depth);
      const vec = vector ? await this.vector(tx, tenantId, vector, filters, depth) : [];
      const ranked = this.floor(req.mode, this.rank(req.mode, keyword, vec), vec);
      const hits = await this.present(tx, tenantId, ranked.slice(0, req.group === 'file' ? GROUP_CANDIDATES : req.limit), req.query, lexemes);
      return req.group === 'file' ? groupByFile(hits, req.limit) : hits.map((h) => h.hit);
    });
    const ms = performance.now() - started;
    this.metrics.searched(req.mode, ms / 1000);
    return { query: req.query, mode: req.mode, results, took_ms: Math.round(ms * 10) / 10 };
  }

  /**
   * Ranked hits with scores on 0..1 (decision 0022): hybrid = fused score over the best possible
   * (1 = first in both lists); keyword = BM25 over the query's best hit; vector = cosine similarity.
   */
  private rank(mode: SearchResult['mode'], keyword: Scored[], vector: Scored[]): Fused[] {
    if (mode === 'hybrid') {
      const best = bestPossibleScore(this.tuning.fusion);
      return fuse(keyword, vector, this.tuning.fusion).map((f) => ({ ...f, score: unitScore(f.score / best) }));
    }
    if (mode === 'keyword') {
      const max = keyword[0]?.score ?? 0;
      return keyword.map((c, i) => ({ id: c.id, score: max > 0 ? unitScore(c.score / max) : 0, keywordRank: i + 1, vectorRank: null }));
    }
    return vector.map((c, i) => ({ id: c.id, score: unitScore(c.score), keywordRank: null, vectorRank: i + 1 }));
  }

  /**
   * The relevance floor: a hit no query word reaches must be near the best vector match (padding such
   * as lorem ipsum is not), and a hybrid hit must reach minScore. Keyword hits all contain a query word.
   */
  private floor(mode: SearchResult['mode'], ranked: Fused[], vector: Scored[]): Fused[] {
    const bestCos = vector[0]?.score ?? 0;
    const cos = new Map(vector.map((c) => [c.id, c.score]));
    const minCos = bestCos > 0 ? this.tuning.minSimilarity * bestCos : Number.NEGATIVE_INFINITY;
    return ranked.filter((f) =>
      (f.keywordRank !== null || (cos.get(f.id) ?? 0) >= minCos) && (mode !== 'hybrid' || f.score >= this.tuning.minScore));
  }

  private async present(tx: SqlRunner, tenantId: string, ranked: Fused[], query: string, lexemes: string[]): Promise<GroupableHit[]> {
    const rows = new Map((await sql.hitRows(tx, tenantId, ranked.map((f) => f.id))).map((r) => [r.id, r]));
    const hits: GroupableHit[] = [];
    for (const f of ranked) {
      const r = rows.get(f.id);
      if (!r) continue;
      const hit: SearchHit = {
        resource_id: r.id, file_id: r.file_id, uri: r.uri, name: r.name, category: r.category, content: r.content,
        snippet: makeSnippet(r.content, query, lexemes), score: f.score, ranks: { keyword: f.keywordRank, vector: f.vectorRank },
        ...(r.low_accuracy ? { low_accuracy: true } : {}),
      };
      hits.push({ hit, fileHash: r.file_hash, contentHash: r.content_hash });
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

type ParsedRequest = ReturnType<typeof SearchRequestSchema.parse> & { files: sql.FileFilterSql | null };

const arr = <T>(v: T | T[] | undefined): T[] | null => (v === undefined ? null : Array.isArray(v) ? v : [v]);

function parseRequest(input: SearchRequest): ParsedRequest {
  const parsed = SearchRequestSchema.safeParse(input);
  if (!parsed.success) throw new AppError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
  const f = parsed.data.filters;
  const any = f.tag !== undefined || f.type !== undefined || f.folder !== undefined;
  const files = any ? { tags: arr(f.tag)?.map(tagLabel) ?? null, types: arr(f.type), folders: arr(f.folder) } : null;
  return { ...parsed.data, files };
}

function toFilterSql(f: NonNullable<SearchRequest['filters']>): sql.SearchFilterSql {
  return { categories: arr(f.category), fileIds: arr(f.file_id), from: toDate(f.from, 'from'), to: toDate(f.to, 'to') };
}

/** File ids allowed by both the file_id filter (null: any) and the tag/type/folder filters. */
function intersect(given: string[] | null, matching: string[]): string[] {
  if (given === null) return matching;
  const ok = new Set(matching);
  return given.filter((id) => ok.has(id));
}

function toDate(s: string | undefined, field: string): Date | null {
  if (!s) return null;
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) throw new AppError('validation_failed', `filters.${field}: not a date: ${s}`);
  return d;
}
