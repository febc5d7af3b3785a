import { Readable } from 'node:stream';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { CreateResult } from '../../services/files.js';
import { guard, ok, requireWrite } from './result.js';
import type { McpServerOptions } from './server.js';

/** Inline uploads travel inside one JSON-RPC message; anything bigger belongs on the streaming HTTP upload. */
export const MAX_INLINE_BYTES = 5 * 1024 * 1024;
const MAX_MEMORY_CHARS = 100_000;

/** save_memory and upload_file: writes into the actor's vault, through the same pipeline as any upload. */
export function registerWriteTools(server: McpServer, app: App, actor: Actor, opts: McpServerOptions): void {
  const { files } = app.services;

  server.registerTool('save_memory', {
    title: 'Save a memory',
    description:
      "Save a note, fact, decision or observation into the user's vault so it can be found later with search. Use it when the " +
      'user asks you to remember something, or when you learn something durable they will want recalled in later conversations. ' +
      'Write self-contained text (who, what, when). It is stored as a small Markdown file and becomes searchable within seconds.',
    inputSchema: {
      text: z.string().trim().min(1).max(MAX_MEMORY_CHARS).describe('the memory itself, in Markdown or plain text'),
      title: z.string().trim().min(1).max(200).optional().describe('a short title; defaults to the first words of the text'),
      tags: z.array(z.string().trim().min(1).max(50)).max(20).optional().describe('labels to find it by, e.g. ["project-x", "decision"]'),
      links: z.array(z.object({
        to: z.string().trim().min(1).max(200).regex(/^[^[\]|#\n]+$/, 'a name without [ ] | # or line breaks').describe('who or what it relates to, by name, e.g. "Sarah Chen"'),
        rel: z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower snake case').default('related_to').describe('the kind of link, e.g. met_with, works_on, about'),
      })).max(20).optional().describe('graph edges from this memory to people, projects or notes (found again with lookup and traverse)'),
    },
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
  }, (args) => guard(app.log, 'save_memory', async () => {
    requireWrite(actor);
    const res = await app.services.memories.save(actor, { text: args.text, title: args.title, tags: args.tags, links: args.links, source: 'mcp.save_memory' });
    return stored('saved memory', res);
  }));

  server.registerTool('upload_file', {
    title: 'Upload a small file',
    description:
      "Store a file in the user's vault (a document, transcript, export or note the user gives you) so it is parsed, chunked " +
      'and searchable. Pass text as content_text, or binary (PDF, image, audio) as content_base64; at most 5 MB inline. The same ' +
      'name (or uri) again replaces that file. For a bigger file (a long recording, a large PDF) pass neither: you get a single-use ' +
      'upload link (valid 15 minutes) to give the user, who sends the file with `curl -T <file> <link>`.',
    inputSchema: {
      name: z.string().trim().min(1).max(500).describe('file name with extension, e.g. "meeting-notes.md"; a path like "notes/x.md" is kept as the uri'),
      content_text: z.string().optional().describe('the content as UTF-8 text (use this or content_base64)'),
      content_base64: z.string().optional().describe('the content as base64 (use this or content_text); omit both for an upload link'),
      mime_type: z.string().optional().describe('e.g. application/pdf; guessed by the parser from the name and bytes when omitted'),
    },
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  }, (args) => guard(app.log, 'upload_file', async () => {
    requireWrite(actor);
    if (args.content_text === undefined && args.content_base64 === undefined) return uploadLink(app, actor, opts, args);
    const bytes = inlineBytes(args.content_text, args.content_base64);
    const res = await files.create(actor, { name: args.name, uri: args.name, mimeType: args.mime_type }, Readable.from([bytes]));
    return stored('uploaded', res);
  }));
}

async function uploadLink(app: App, actor: Actor, opts: McpServerOptions, args: { name: string; mime_type?: string | undefined }) {
  if (!opts.baseUrl) {
    throw new AppError('bad_request', 'this MCP server runs without an HTTP server, so it cannot hand out upload links: pass the content ' +
      'inline (at most 5 MB) or ask the user to run `p8fs ingest <path>`');
  }
  const ticket = await app.services.uploadTickets.issue(actor, { name: args.name, uri: args.name, mimeType: args.mime_type });
  const url = `${opts.baseUrl}/api/v1/uploads/${ticket.token}`;
  return ok(
    `upload link for ${args.name} (single use, expires ${ticket.expiresAt.toISOString()}, at most ${Math.floor(ticket.maxBytes / 1024 / 1024)} MB):\n` +
      `${url}\nAsk the user to run: curl -T '<path to the file>' '${url}'\nThe file is indexed after the upload; find it with list_files or get_file.`,
    { upload_url: url, method: 'PUT', expires_at: ticket.expiresAt.toISOString(), max_bytes: ticket.maxBytes, uri: args.name },
  );
}

function stored(what: string, res: CreateResult): ReturnType<typeof ok> {
  const f = res.file;
  const note = res.unchanged ? ' (identical content was already stored; nothing changed)' : '; it is being indexed (check with get_file)';
  return ok(`${what}: ${f.uri}\nfile_id: ${f.id}\nstatus: ${f.status}${note}`, { file_id: f.id, uri: f.uri, status: f.status, unchanged: res.unchanged });
}

/** Exactly one of text or base64, decoded and within the inline limit. */
function inlineBytes(text: string | undefined, base64: string | undefined): Buffer {
  if ((text === undefined) === (base64 === undefined)) throw new AppError('validation_failed', 'give exactly one of content_text or content_base64');
  // Checked before decoding, so an oversized argument is refused without allocating it twice.
  const approx = text !== undefined ? Buffer.byteLength(text) : Math.floor((base64 as string).length * 3 / 4);
  if (approx > MAX_INLINE_BYTES) {
    throw new AppError('file.too_large',
      `the content is about ${(approx / 1024 / 1024).toFixed(1)} MB; upload_file takes at most 5 MB inline. Upload larger files ` +
        'with the HTTP upload API (multipart POST /api/v1/files with a vault:write token) or `p8fs ingest <path>`.');
  }
  if (text !== undefined) return Buffer.from(text);
  const b64 = (base64 as string).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(b64)) throw new AppError('validation_failed', 'content_base64 is not valid base64');
  return Buffer.from(b64, 'base64');
}

/** Memory notes are built in the domain (MemoriesService uses them); re-exported for the MCP tests. */
export { memoryFile } from '../../domain/memory-note.js';
