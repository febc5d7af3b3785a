import type { RemNode, RemResult, SearchHit } from '@p8fs/contracts';
import type { MomentRow } from '../sql/moments.js';
import type { ResourceRow } from '../sql/resources.js';

// What the agent's tools hand the model: compact text with a number per source ([n]), which the
// system prompt asks the model to cite. The numbers are the run's citations, shown to the user.

/** A source a tool result shows: numbered by the run, cited by the model. */
export interface SourceRef {
  label: string;
  uri: string;
  resource_id: string | null;
  file_id: string | null;
  snippet?: string;
}

/** Numbers a source for this run (the same source keeps its number). */
export type Cite = (s: SourceRef) => number;

const EXCERPT = 400;
const flat = (s: string, max = EXCERPT): string => {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

/** Search hits, numbered. */
export function hitsText(hits: readonly SearchHit[], cite: Cite): { text: string; sources: number[] } {
  if (hits.length === 0) return { text: 'no results', sources: [] };
  const sources: number[] = [];
  const lines = hits.map((h) => {
    const snippet = flat(h.snippet || h.content);
    const n = cite({ label: h.name, uri: h.uri, resource_id: h.resource_id, file_id: h.file_id, snippet });
    sources.push(n);
    return `[${n}] ${h.name} (${h.category}) — ${h.uri}\n    resource_id: ${h.resource_id}\n    ${snippet}`;
  });
  return { text: lines.join('\n'), sources };
}

/** One resource in full (cut at maxChars). */
export function resourceText(r: ResourceRow, cite: Cite, maxChars: number): { text: string; sources: number[] } {
  const n = cite({ label: r.name, uri: r.uri, resource_id: r.id, file_id: r.file_id, snippet: flat(r.content) });
  const body = r.content.length > maxChars ? `${r.content.slice(0, maxChars)}\n[… cut at ${maxChars} characters]` : r.content;
  return { text: `[${n}] ${r.name} — ${r.uri}\n\n${body}`, sources: [n] };
}

/** A REM result: nodes numbered, rows as JSON lines, walk memos. */
export function remResultText(res: RemResult, cite: Cite): { text: string; sources: number[] } {
  if (res.kind === 'sql') {
    const rows = res.rows ?? [];
    return { text: [`${rows.length} row(s)${res.truncated ? ' (cut at the cap)' : ''}`, ...rows.map((r) => JSON.stringify(r))].join('\n'), sources: [] };
  }
  if (res.kind === 'plan') {
    const h = res.plan?.histogram ?? [];
    return { text: h.length ? h.map((e) => `${e.rel} (${e.direction}) ×${e.count}: ${e.samples.join(', ')}`).join('\n') : 'no edges around the start', sources: [] };
  }
  const nodes = res.nodes ?? [];
  if (nodes.length === 0) return { text: [`no nodes found`, ...(res.stages ?? []).map((s) => `· ${s.memo}`)].join('\n'), sources: [] };
  const sources: number[] = [];
  const lines = nodes.map((node) => {
    const n = cite(nodeSource(node));
    sources.push(n);
    const how = node.via ? ` (depth ${node.depth}, ${node.via.rel} from ${node.via.from})` : '';
    const text = node.summary ?? node.excerpt;
    return `[${n}] ${node.label} [${node.table}: ${node.type}]${how} — ${node.uri ?? `id ${node.id}`}${text ? `\n    ${flat(text)}` : ''}`;
  });
  return { text: [...lines, ...(res.stages ?? []).map((s) => `· ${s.memo}`)].join('\n'), sources };
}

function nodeSource(node: RemNode): SourceRef {
  const text = node.summary ?? node.excerpt;
  return {
    label: node.label, uri: node.uri ?? `p8fs://${node.table}/${node.id}`,
    resource_id: node.table === 'resources' ? node.id : null, file_id: node.table === 'files' ? node.id : null,
    ...(text ? { snippet: flat(text) } : {}),
  };
}

/** Moments, numbered: when, who, where, what. */
export function momentsText(rows: readonly MomentRow[], total: number, cite: Cite): { text: string; sources: number[] } {
  if (rows.length === 0) return { text: 'no moments match', sources: [] };
  const sources: number[] = [];
  const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
  const lines = rows.map((m) => {
    const n = cite({ label: m.name, uri: `p8fs://moments/${m.id}`, resource_id: null, file_id: null, ...(m.summary ? { snippet: flat(m.summary) } : {}) });
    sources.push(n);
    const who = [...new Set([...m.present_persons, ...m.speakers].map((p) => p.name))];
    const parts = [`[${n}] ${m.name} (${m.moment_type ?? 'moment'}, ${iso(m.starts_at) ?? 'undated'})`];
    if (who.length) parts.push(`people: ${who.join(', ')}`);
    if (m.location) parts.push(`where: ${m.location}`);
    if (m.summary) parts.push(flat(m.summary));
    return parts.join('\n    ');
  });
  return { text: [`${total} moment(s)`, ...lines].join('\n'), sources };
}
