import type { Actor } from '../../domain/actor.js';
import type { RemService } from '../rem/engine.js';
import type { SearchService } from '../search.js';
import type { Citations } from './loop.js';

/** Hits shown when no model is configured. */
const HITS = 5;
const SNIPPET = 300;

/** The label that opens every retrieved answer: a person must never take passages for a generated answer. */
export const RETRIEVED_LABEL = 'Retrieved, not generated:';

/**
 * Names a question mentions (Capitalised Words, "quoted phrases"), to look up in the graph: a person,
 * a place, a project. Question words and the first word of a sentence are not names.
 */
export function namesIn(question: string): string[] {
  const quoted = [...question.matchAll(/"([^"]{2,80})"/g)].map((m) => m[1] as string);
  const skip = new Set(['I', 'What', 'Who', 'When', 'Where', 'Why', 'How', 'Which', 'Did', 'Do', 'Does', 'Is', 'Are', 'Was', 'Were', 'Can', 'Could', 'Tell', 'Show', 'Find', 'List', 'The', 'A', 'An', 'My']);
  const caps = [...question.matchAll(/\b[A-Z][\p{L}'-]+(?:\s+[A-Z][\p{L}'-]+)*/gu)]
    .map((m) => m[0].split(/\s+/).filter((w) => !skip.has(w)).join(' '))
    .filter((n) => n.length > 1);
  return [...new Set([...quoted, ...caps])].slice(0, 5);
}

/**
 * The answer without a language model: the best passages of hybrid search and the graph nodes the
 * question names (REM LOOKUP), each numbered and cited, under a label that says they were retrieved.
 * The question is not echoed: the answer holds only what the caller's own vault returned.
 */
export async function retrievedAnswer(
  s: { search: SearchService; rem: RemService }, actor: Actor, question: string, citations: Citations, signal: AbortSignal,
): Promise<string> {
  const lines = [`${RETRIEVED_LABEL} no language model is configured on this server (P8FS_CHAT_MODEL), so these are the passages of your vault that match best.`, ''];
  const hits = question.trim() === '' ? [] : (await s.search.search(actor, { query: question.slice(0, 4000), limit: HITS, mode: 'hybrid' }, { signal })).results;
  for (const h of hits) {
    const snippet = (h.snippet || h.content).replace(/\s+/g, ' ').trim().slice(0, SNIPPET);
    const n = citations.cite({ label: h.name, uri: h.uri, resource_id: h.resource_id, file_id: h.file_id, snippet });
    lines.push(`[${n}] ${h.name} — ${h.uri}`, `> ${snippet}`, '');
  }
  const names = namesIn(question);
  const nodes = names.length ? (await s.rem.execute(actor, { kind: 'lookup', keys: names.map((label) => ({ label })) }, { signal })).nodes ?? [] : [];
  if (nodes.length) {
    lines.push('Matching names (REM LOOKUP):');
    for (const node of nodes) {
      const uri = node.uri ?? `p8fs://${node.table}/${node.id}`;
      const n = citations.cite({ label: node.label, uri, resource_id: node.table === 'resources' ? node.id : null, file_id: node.table === 'files' ? node.id : null });
      lines.push(`[${n}] ${node.label} (${node.table}: ${node.type}) — ${uri}`);
    }
    lines.push('');
  }
  if (hits.length === 0 && nodes.length === 0) lines.push('Nothing in your vault matched.');
  return lines.join('\n').trimEnd();
}
