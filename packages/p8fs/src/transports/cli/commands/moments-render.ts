import type { MomentDto } from '@p8fs/contracts';
import { table } from '../format.js';

/** commander collector for repeatable options. */
export const collect = (value: string, prev: string[] = []) => [...prev, value];

/** A moment as labelled lines, for people. */
export function render(m: MomentDto): string {
  const names = (ps: { name: string }[]) => ps.map((p) => p.name).join(', ');
  const rows = [['id', m.id], ['name', m.name], ['type', m.moment_type ?? '-'],
    ['when', m.starts_at ? `${m.starts_at}${m.ends_at ? ` – ${m.ends_at}` : ''}` : '-'], ['where', m.location ?? '-'],
    ['present', names(m.present_persons) || '-'], ['speakers', names(m.speakers) || '-'],
    ['topics', m.topic_tags.join(', ') || '-'], ['emotions', m.emotion_tags.join(', ') || '-'], ['summary', m.summary ?? '-']];
  return `${table(rows)}${m.content ? `\n${m.content}\n` : ''}`;
}
