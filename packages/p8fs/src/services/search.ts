import type { SearchHit, SearchRequest } from '@p8fs/contracts';
import { SearchRequest as SearchRequestSchema } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { AppError } from '../domain/errors.js';
import { fuse, type FusionOptions } from '../domain/fusion.js';
import { makeSnippet } from '../domain/snippet.js';
import type { Db } from '../ports/db.js';
import type { EmbeddingService } from './embeddings.js';
import * as sql from './sql/search.js';

export interface SearchTuning extends FusionOptions {
  /** ts_rank weights for {D, C, B, A}: A = own text, B = title path, C = neighbours */
  tsWeights: [number, number, number, number];
  /** candidates each retriever contributes before fusion, as a multiple of the limit */
  depthFactor: number;
  minDepth: number;
}

/** Defaults chosen on LoCoMo dev (docs/decisions/0003-search-fusion.md). */
export const DEFAULT_TUNING: SearchTuning = {
  tsWeights: [0.1, 0.2, 0.4, 1.0],
  depthFactor: 5,
  minDepth: 50,
  rrfK: 60,
  keywordWeight: 1,
  vectorWeight: 0.5,
};

export interface SearchResult {
  query: string;
  mode: 'hybrid' | 'keyword' | 'vector';
  results: SearchHit[];
  took_ms: number;
}

/** Hybrid retrieval over a tenant's resources: keyword (BM25-like) and vector, fused. */
export class SearchService {
  constructor(
    private readonly db: Db,
    private readonly embeddings: EmbeddingService,
    private readonly tuning: SearchTuning = DEFAULT_TUNING,
  ) {}

  /** Search the actor's vault. Input is validated here too, so every transport gets the same errors. */
  async search(actor: Actor, input: SearchRequest): Promise<SearchResult> {
    const started = performance.now();
    const parsed = SearchRequestSchema.safeParse(input);
    if (!parsed.success) throw new AppError('validation_failed', parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const req = parsed.data;
    const filters = toFilterSql(req.filters);
    const depth = Math.max(this.tuning.minDepth, req.limit * this.tuning.depthFactor);
    const [keyword, vector] = await Promise.all([
      req.mode === 'vector' ? [] : this.keyword(actor.tenantId, req.query, filters, depth),
      req.mode === 'keyword' ? [] : this.vector(actor.tenantId, req.query, filters, depth),
    ]);
    const fused = fuse(keyword, vector, this.tuning).slice(0, req.limit);
    const rows = new Map((await sql.hitRows(this.db, actor.tenantId, fused.map((f) => f.id))).map((r) => [r.id, r]));
    const lexemes = req.mode === 'vector' ? [] : await sql.queryLexemes(this.db, req.query);
    const results: SearchHit[] = [];
    for (const f of fused) {
      const r = rows.get(f.id);
      if (!r) continue;
      results.push({
        resource_id: r.id, file_id: r.file_id, uri: r.uri, name: r.name, category: r.category, content: r.content,
        snippet: makeSnippet(r.content, req.query, lexemes), score: f.score, ranks: { keyword: f.keywordRank, vector: f.vectorRank },
      });
    }
    return { query: req.query, mode: req.mode, results, took_ms: Math.round((performance.now() - started) * 10) / 10 };
  }

  private async keyword(tenantId: string, query: string, f: sql.SearchFilterSql, depth: number): Promise<sql.Candidate[]> {
    const lexemes = await sql.queryLexemes(this.db, query);
    return sql.keywordCandidates(this.db, tenantId, lexemes, f, depth, this.tuning.tsWeights);
  }

  private async vector(tenantId: string, query: string, f: sql.SearchFilterSql, depth: number): Promise<sql.Candidate[]> {
    const v = await this.embeddings.embedQuery(query);
    const lit = `[${Array.from(v).join(',')}]`;
    return sql.vectorCandidates(this.db, tenantId, { id: this.embeddings.providerId, dimension: this.embeddings.dimension }, lit, f, depth);
  }
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
