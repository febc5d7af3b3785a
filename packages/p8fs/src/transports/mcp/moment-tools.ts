import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Resource } from '@modelcontextprotocol/sdk/types.js';
import type { MomentDto } from '@p8fs/contracts';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { toMomentDto } from '../presenters.js';
import { one, read } from './resources.js';
import { guard, ok } from './result.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
/** moments listed by resources/list per page; the cursor is the next offset. */
const MOMENT_PAGE = 50;

export const momentUri = (id: string) => `p8fs://moments/${id}`;

/** One moment as a model reads it: when, who, what, and the ids to go further. */
export function momentText(m: MomentDto): string {
  const when = m.starts_at ? `${m.starts_at}${m.ends_at && m.ends_at !== m.starts_at ? ` → ${m.ends_at}` : ''}` : 'undated';
  const who = [...m.present_persons, ...m.speakers].map((p) => p.name);
  const lines = [`${m.name} (${m.moment_type ?? 'moment'}, ${when})`];
  if (who.length) lines.push(`  people: ${[...new Set(who)].join(', ')}`);
  if (m.location) lines.push(`  where: ${m.location}`);
  if (m.topic_tags.length || m.emotion_tags.length) lines.push(`  tags: ${[...m.topic_tags, ...m.emotion_tags.map((e) => `~${e}`)].join(', ')}`);
  if (m.summary) lines.push(`  ${m.summary}`);
  lines.push(`  moment_id: ${m.id}  uri: ${momentUri(m.id)}`);
  return lines.join('\n');
}

/** list_moments, and the p8fs://moments/{id} resource template (paged through resources/list cursors). */
export function registerMomentTools(server: McpServer, app: App, actor: Actor): void {
  const { moments } = app.services;

  server.registerTool('list_moments', {
    title: 'List moments',
    description:
      "List time-bounded episodes of the user's life kept in the vault (meetings, conversations, trips, reflections), newest first. " +
      'Use it for questions about when something happened, who was there, or what happened in a period ("what did I do last week", ' +
      '"meetings with Sarah", "times I felt anxious"). Filter by date range, person, topic or emotion tag, or type.',
    inputSchema: {
      from: z.string().optional().describe('only moments ending at or after this ISO date/time'),
      to: z.string().optional().describe('only moments starting at or before this ISO date/time'),
      person: z.string().optional().describe('a person present or speaking, by name'),
      topic: z.array(z.string()).optional().describe('topic tags; a moment with any of them matches'),
      emotion: z.array(z.string()).optional().describe('emotion tags; a moment with any of them matches'),
      type: z.string().optional().describe('moment type, e.g. meeting, conversation, reflection'),
      order: z.enum(['recent', 'oldest']).default('recent'),
      limit: z.number().int().min(1).max(100).default(20),
      offset: z.number().int().min(0).default(0),
    },
    annotations: READ_ONLY,
  }, (args) => guard(app.log, 'list_moments', async () => {
    const page = await moments.list(actor, args);
    const dtos = page.rows.map(toMomentDto);
    const head = `${page.total} moment${page.total === 1 ? '' : 's'}${page.total > dtos.length ? ` (showing ${args.offset + 1}-${args.offset + dtos.length})` : ''}`;
    const text = dtos.length ? `${head}\n\n${dtos.map(momentText).join('\n\n')}` : 'no moments match';
    return ok(text, { total: page.total, moments: dtos });
  }));

  server.registerResource(
    'moment',
    new ResourceTemplate('p8fs://moments/{id}', {
      list: async (extra) => {
        const offset = Number((extra as { cursor?: string } | undefined)?.cursor ?? 0) || 0;
        const page = await moments.list(actor, { limit: MOMENT_PAGE, offset });
        return {
          resources: page.rows.map(toMomentDto).map((m): Resource => ({
            uri: momentUri(m.id), name: m.name, mimeType: 'text/markdown', description: `${m.moment_type ?? 'moment'}, ${m.starts_at ?? 'undated'}`,
          })),
          ...(offset + MOMENT_PAGE < page.total ? { nextCursor: String(offset + MOMENT_PAGE) } : {}),
        };
      },
    }),
    {
      title: 'A moment',
      description: 'One time-bounded episode: when, who was there, where, tags, summary and content.',
      mimeType: 'text/markdown',
    },
    (uri, { id }) => read(app, uri, async () => {
      const m = toMomentDto(await moments.get(actor, one(id)));
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `${momentText(m)}\n\n${m.content}` }] };
    }),
  );
}
