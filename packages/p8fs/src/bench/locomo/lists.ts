import type { Actor } from '../../domain/actor.js';
import type { Scored } from '../../domain/fusion.js';
import type { SearchService } from '../../services/search.js';

/** What a LoCoMo run searches with: a service and the vault's id -> dia_id map. */
export interface Searcher {
  search: SearchService;
  actor: Actor;
  diaOf: Map<string, string>;
}

/** One search, its hits as dia_ids with their scores (ids unknown to the vault are a bug: thrown). */
export async function searchDia(s: Searcher, query: string, mode: 'keyword' | 'vector' | 'hybrid', limit: number): Promise<Scored[]> {
  const res = await s.search.search(s.actor, { query, mode, limit });
  return res.results.map((h) => {
    const dia = s.diaOf.get(h.resource_id);
    if (!dia) throw new Error(`hit ${h.resource_id} is not a turn of this vault (tenant leak?)`);
    return { id: dia, score: h.score };
  });
}

/** The ranked dia_ids of a list. */
export const ids = (list: readonly Scored[]): string[] => list.map((c) => c.id);
