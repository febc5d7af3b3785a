import { createHash } from 'node:crypto';

// A memory the user (or an assistant for them) asked to keep: a small Markdown note, built the same
// way whichever surface saved it (MCP save_memory, the chat agent's save_memory, later the web app).

/** A link from a memory to a person, project or note, by name; it becomes a graph edge. */
export interface MemoryLink {
  to: string;
  rel: string;
}

/**
 * A memory as a Markdown file under memories/. The name carries the date and a slug for people
 * browsing files, plus a hash of the text so two different memories with the same title on one day
 * never replace each other (the uri is the file's identity), while saving the same text twice is a no-op.
 */
export function memoryFile(
  text: string, title: string | undefined, tags: readonly string[], now: Date, links: readonly MemoryLink[] = [],
): { path: string; title: string; body: string } {
  const heading = title ?? firstWords(text);
  const slug = heading.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '') || 'memory';
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 8);
  const date = now.toISOString().slice(0, 10);
  // The day, not the instant: saving the same text twice in a day must produce the same bytes.
  // Links go in the frontmatter as [[wikilinks]] under their edge type, so the graph's edges are
  // derived from the file like any note's, and leave with it when the memory is deleted.
  const lines = links.length ? [...frontmatter(links), `# ${heading}`, '', `Saved: ${date}`] : [`# ${heading}`, '', `Saved: ${date}`];
  if (tags.length) lines.push(`Tags: ${tags.map((t) => `#${t.replace(/\s+/g, '-')}`).join(' ')}`);
  lines.push('', text.trim(), '');
  return { path: `memories/${date}-${slug}-${hash}.md`, title: heading, body: lines.join('\n') };
}

function frontmatter(links: readonly MemoryLink[]): string[] {
  const byRel = new Map<string, string[]>();
  for (const l of links) byRel.set(l.rel, [...(byRel.get(l.rel) ?? []), l.to]);
  return ['---', ...[...byRel].map(([rel, to]) => `${rel}: [${to.map((t) => JSON.stringify(`[[${t}]]`)).join(', ')}]`), '---', ''];
}

function firstWords(text: string): string {
  const words = text.replace(/[#*_`>[\]]/g, ' ').split(/\s+/).filter(Boolean).slice(0, 8).join(' ');
  return words.length > 80 ? `${words.slice(0, 77)}...` : words || 'memory';
}
