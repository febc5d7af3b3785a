import type { FileDto, MomentDto, ResourceDto } from '@p8fs/contracts';
import { stringify } from 'yaml';

/** A file's tags: its frontmatter's `tags`/`tag` (list or comma list), else none. */
export function fileTags(file: FileDto): string[] {
  const fm = (file.metadata.frontmatter ?? {}) as Record<string, unknown>;
  const raw = fm.tags ?? fm.tag ?? file.metadata.tags ?? [];
  const list = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[,\s]+/) : [];
  return list.map((t) => String(t).trim()).filter((t) => t !== '');
}

/** YAML frontmatter and a body, the way Obsidian and most static-site tools read notes. */
function note(front: Record<string, unknown>, body: string): string {
  return `---\n${stringify(front, { lineWidth: 0 })}---\n\n${body.trimEnd()}\n`;
}

/** A file as a note: its record as frontmatter, its extracted text (chunks in order) as the body. */
export function fileNote(file: FileDto, chunks: readonly ResourceDto[], original: string | null): string {
  const front: Record<string, unknown> = {
    id: file.id, uri: file.uri, name: file.name, mime: file.mime_type, size: file.size, content_hash: file.content_hash,
    created: file.created_at, updated: file.updated_at, tags: fileTags(file), status: file.status,
    ...(file.parent_id ? { parent_id: file.parent_id } : {}),
    ...(original ? { original } : {}),
  };
  const body = [...chunks].sort((a, b) => a.ordinal - b.ordinal).map((c) => c.content.trim()).filter((t) => t !== '').join('\n\n');
  return note(front, body);
}

/** A moment as a note: its fields as frontmatter, summary and content as the body. */
export function momentNote(m: MomentDto): string {
  const front: Record<string, unknown> = {
    id: m.id, name: m.name, type: m.moment_type, starts_at: m.starts_at, ends_at: m.ends_at, location: m.location,
    present_persons: m.present_persons.map((p) => p.name), speakers: m.speakers.map((p) => p.name),
    topic_tags: m.topic_tags, emotion_tags: m.emotion_tags, created: m.created_at, updated: m.updated_at,
  };
  const body = [`# ${m.name}`, m.summary ?? '', m.content].filter((t) => t.trim() !== '').join('\n\n');
  return note(front, body);
}
