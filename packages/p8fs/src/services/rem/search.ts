import type { RemNode, SearchHit } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import type { FusionOptions } from '../../domain/fusion.js';
import type { SearchQuery } from '../../domain/rem/ast.js';
import type { Db, SqlRunner } from '../../ports/db.js';
import type { QueryBudget } from '../query-budget.js';
import type { SearchService } from '../search.js';
import { getFile } from '../sql/files.js';

/** Search's resource categories behind `IN moments` / `IN agents` (their searchable mirrors). */
const CATEGORY: Partial<Record<NonNullable<SearchQuery['table']>, string>> = { moments: 'moment', agents: 'agent' };

/**
 * The score scale REM exposes is search's own (decision 0022): 0..1, 1 = first in both keyword and
 * vector lists, ≈ 0.67 = first by keyword alone, ≈ 0.33 = first by vector alone, falling with rank.
 * THRESHOLD x keeps hits scoring at least x on this scale.
 */
export { bestPossibleScore } from '../../domain/fusion.js';

/** SEARCH: hybrid search, filtered by table and threshold, as REM nodes. */
export async function remSearch(db: Db, search: SearchService, _fusion: FusionOptions, actor: Actor, q: SearchQuery, budget: QueryBudget): Promise<RemNode[]> {
  const category = q.table ? CATEGORY[q.table] : undefined;
  // Files group their chunks: ask for more chunks than files wanted, so a long file cannot crowd the rest out.
  const limit = q.table === 'files' ? Math.min(100, q.limit * 5) : q.limit;
  const res = await search.searchWithin(actor, { query: q.text, limit, filters: category ? { category } : {} }, budget);
  const scored = res.results
    .map((hit) => ({ hit, score: hit.score }))
    .filter((s) => q.threshold === undefined || s.score >= q.threshold);
  if (q.table === 'files') return budget.read(db, (tx) => fileNodes(tx, actor, scored, q.limit));
  return scored.map(({ hit, score }) => hitNode(hit, score));
}

function hitNode(hit: SearchHit, score: number): RemNode {
  return {
    table: 'resources', id: hit.resource_id, label: hit.name, type: hit.category, uri: hit.uri,
    excerpt: hit.snippet || hit.content.slice(0, 300), metadata: { file_id: hit.file_id }, score,
  };
}

/** One node per file, scored by its best chunk, in score order. */
async function fileNodes(db: SqlRunner, actor: Actor, scored: Array<{ hit: SearchHit; score: number }>, limit: number): Promise<RemNode[]> {
  const best = new Map<string, { hit: SearchHit; score: number }>();
  for (const s of scored) if (s.hit.file_id && !best.has(s.hit.file_id)) best.set(s.hit.file_id, s);
  const top = [...best.entries()].slice(0, limit);
  const files = await Promise.all(top.map(([id]) => getFile(db, actor.tenantId, id)));
  return top.flatMap(([id, { hit, score }], i) => {
    const f = files[i];
    if (!f) return [];
    return [{ table: 'files' as const, id, label: f.name, type: f.mime_type, uri: f.uri, excerpt: hit.snippet, score }];
  });
}
