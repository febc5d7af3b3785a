import { FileStatus, SEARCH_GROUPS, SEARCH_MODES, type SearchHit } from '@p8fs/contracts';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { toFileDto, toResourceDto } from '../presenters.js';
import { guard, ok } from './result.js';

const READ_ONLY = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
const MAX_MEMBERS = 50;

/** search, get_resource, list_files, get_file: reads of the actor's own vault. */
export function registerReadTools(server: McpServer, app: App, actor: Actor): void {
  const { search, resources, files } = app.services;

  server.registerTool('search', {
    title: 'Search the vault',
    description:
      "Search the user's vault (their saved files, notes, transcripts and memories) and return the best-matching passages. " +
      'Use this first whenever the user refers to something they saved, wrote, recorded or told you before, or asks a question ' +
      'their own documents may answer. Each hit has a snippet, a resource_id for get_resource (the full passage) and a ' +
      'provenance uri (file path, #page=N for a PDF page, #t=start,end in seconds for audio/video) to cite. Scores are 0..1 ' +
      '(1 = the best possible match); weak matches are left out. By default each file appears once, with its other matching ' +
      'passages and any identical copies listed under it; a hit marked low_accuracy is an offline machine transcript: verify before relying on it.',
    inputSchema: {
      query: z.string().min(1).max(4000).describe('what to look for, in natural language or keywords'),
      limit: z.number().int().min(1).max(50).default(10).describe('how many hits (1-50, default 10)'),
      mode: z.enum(SEARCH_MODES).default('hybrid').describe('hybrid (default: keyword and meaning fused), keyword (exact words, names, codes) or vector (meaning only)'),
      file_id: z.string().uuid().optional().describe('only passages of this file (an id from list_files or a previous hit)'),
      category: z.string().optional().describe('only resources of this category'),
      from: z.string().optional().describe('only content dated on or after this ISO date (an e-mail\'s date, a photo\'s EXIF time, a note\'s frontmatter date; else the upload time)'),
      to: z.string().optional().describe('only content dated on or before this ISO date (same dates as from)'),
      tag: z.string().optional().describe('only files with this tag (frontmatter tags or inline #tags)'),
      type: z.string().optional().describe('only files of this type: a MIME type (application/pdf), a family (audio, image) or an extension (pdf, md)'),
      folder: z.string().optional().describe('only files whose uri starts with this folder path'),
      group: z.enum(SEARCH_GROUPS).default('file').describe('file (default: one hit per file, its other passages and copies under it) or chunk (every matching passage)'),
    },
    annotations: READ_ONLY,
  }, (args, extra) => guard(app.log, 'search', async () => {
    const filters = {
      ...(args.file_id ? { file_id: args.file_id } : {}), ...(args.category ? { category: args.category } : {}),
      ...(args.from ? { from: args.from } : {}), ...(args.to ? { to: args.to } : {}),
      ...(args.tag ? { tag: args.tag } : {}), ...(args.type ? { type: args.type } : {}), ...(args.folder ? { folder: args.folder } : {}),
    };
    const res = await search.search(actor, { query: args.query, limit: args.limit, mode: args.mode, filters, group: args.group }, { signal: extra.signal });
    const hits = res.results.map((h) => ({
      resource_id: h.resource_id, file_id: h.file_id, uri: h.uri, name: h.name, category: h.category, snippet: h.snippet, score: h.score,
      ...(h.passages ? { passages: h.passages } : {}), ...(h.duplicates ? { duplicates: h.duplicates } : {}),
      ...(h.low_accuracy ? { low_accuracy: true } : {}),
    }));
    return ok(renderHits(args.query, res.results), { query: res.query, mode: res.mode, results: hits });
  }));

  server.registerTool('get_resource', {
    title: 'Read one passage in full',
    description:
      'Read the full text of one resource (a passage or chunk of a file, or a saved memory) by its resource_id from search. ' +
      'Use it when a search snippet is not enough to answer, or to quote exactly. Returns the text with its provenance uri.',
    inputSchema: { id: z.string().describe('the resource_id from a search hit') },
    annotations: READ_ONLY,
  }, ({ id }) => guard(app.log, 'get_resource', async () => {
    const r = toResourceDto(await resources.get(actor, id));
    const head = [`# ${r.name}`, `uri: ${r.uri}`, `resource_id: ${r.id}`, `file_id: ${r.file_id ?? '-'}`, `category: ${r.category}`];
    if (r.resource_timestamp) head.push(`dated: ${r.resource_timestamp}`);
    return ok(`${head.join('\n')}\n\n${r.content}`, { resource: r });
  }));

  server.registerTool('list_files', {
    title: 'List files in the vault',
    description:
      "List the files in the user's vault, newest first, with their processing status. Use it to browse what is stored, find a " +
      "file by name (query), or check which uploads are still pending or failed (status). To find content inside files use search.",
    inputSchema: {
      status: FileStatus.optional().describe('only files in this state: pending, processing, indexed or failed'),
      query: z.string().optional().describe('substring of the file name or uri'),
      limit: z.number().int().min(1).max(200).default(20).describe('page size (1-200, default 20)'),
      offset: z.number().int().min(0).default(0).describe('files to skip, for paging'),
    },
    annotations: READ_ONLY,
  }, (args) => guard(app.log, 'list_files', async () => {
    const page = await files.list(actor, {
      limit: args.limit, offset: args.offset, ...(args.status ? { status: args.status } : {}), ...(args.query ? { q: args.query } : {}),
    });
    const dtos = page.rows.map(toFileDto);
    const lines = dtos.map((f, i) => `${args.offset + i + 1}. ${f.name} [${f.status}] id=${f.id} ${f.mime_type} ${f.size} bytes, ${f.resource_count} chunks`);
    const more = args.offset + dtos.length < page.total ? `\n(${page.total - args.offset - dtos.length} more: call again with offset ${args.offset + dtos.length})` : '';
    const text = dtos.length ? `${page.total} file(s)\n${lines.join('\n')}${more}` : 'no files match';
    return ok(text, { files: dtos, total: page.total, limit: args.limit, offset: args.offset });
  }));

  server.registerTool('get_file', {
    title: 'Inspect one file',
    description:
      'Show one file by id: its processing status, the error if processing failed, the parser used, how many chunks it was ' +
      'split into, and the files found inside it (members of an archive, mailbox or attachment container). Use it to check ' +
      'whether an upload or saved memory is searchable yet, or why it failed.',
    inputSchema: { id: z.string().describe('the file id (from list_files, save_memory, upload_file or a search hit)') },
    annotations: READ_ONLY,
  }, ({ id }) => guard(app.log, 'get_file', async () => {
    const file = toFileDto(await files.get(actor, id));
    const members = await files.list(actor, { limit: MAX_MEMBERS, offset: 0, parent_id: file.id });
    const lines = [
      `# ${file.name}`, `id: ${file.id}`, `uri: ${file.uri}`, `status: ${file.status}`,
      `error: ${file.error ? `${file.error.code}: ${file.error.message}` : '-'}`, `parser: ${file.parser ?? '-'}`,
      `chunks: ${file.resource_count}`, `type: ${file.mime_type}, ${file.size} bytes`, `updated: ${file.updated_at}`,
      `members: ${members.total}`, ...members.rows.map((m) => `  - ${m.name} [${m.status}] id=${m.id}`),
    ];
    if (members.total > members.rows.length) lines.push(`  (${members.total - members.rows.length} more not shown)`);
    return ok(lines.join('\n'), { file, members: members.rows.map(toFileDto), member_total: members.total });
  }));
}

/** Numbered hits, each with its provenance uri and a one-paragraph snippet, for the model to cite. */
function renderHits(query: string, hits: SearchHit[]): string {
  if (hits.length === 0) return `no results for "${query}"`;
  return hits
    .map((h, i) => {
      const snippet = (h.snippet || h.content).replace(/\s+/g, ' ').trim().slice(0, 400);
      const lines = [`${i + 1}. ${h.name} (score ${h.score.toFixed(2)})${h.low_accuracy ? ' [low-accuracy machine transcript]' : ''}`, `   source: ${h.uri}`,
        `   resource_id: ${h.resource_id}${h.file_id ? `  file_id: ${h.file_id}` : ''}`, `   ${snippet}`];
      for (const p of h.passages ?? []) lines.push(`   also: ${p.uri} (resource_id: ${p.resource_id}): ${p.snippet.replace(/\s+/g, ' ').trim().slice(0, 200)}`);
      if (h.duplicates?.length) lines.push(`   identical copies: ${h.duplicates.map((d) => d.uri).join(', ')}`);
      return lines.join('\n');
    })
    .join('\n\n');
}
