import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, type ReadResourceResult, type Resource } from '@modelcontextprotocol/sdk/types.js';
import type { App } from '../../app.js';
import type { Actor } from '../../domain/actor.js';
import { isAppError } from '../../domain/errors.js';
import { toFileDto, toResourceDto } from '../presenters.js';

/** resources/list names at most this many of the caller's files (newest first), and this many chunks. */
export const RESOURCE_LIST_LIMIT = 50;
/** MCP's code for a resource that does not exist (or is not the caller's: the two read the same). */
const RESOURCE_NOT_FOUND = -32002;

export const fileUri = (id: string) => `p8fs://files/${id}`;
export const resourceUri = (id: string) => `p8fs://resources/${id}`;

/**
 * Resource templates over the actor's vault: `p8fs://files/{id}` (a file's status and metadata as
 * JSON) and `p8fs://resources/{id}` (one chunk's text with its provenance). Every read and list goes
 * through the services with the actor, so the tenant is the token's and another vault's ids read as
 * not found.
 */
export function registerResources(server: McpServer, app: App, actor: Actor): void {
  const { files, resources } = app.services;

  const firstFiles = async () => (await files.list(actor, { limit: RESOURCE_LIST_LIMIT, offset: 0 })).rows.map(toFileDto);

  server.registerResource(
    'file',
    new ResourceTemplate('p8fs://files/{id}', {
      list: async () => ({
        resources: (await firstFiles()).map((f): Resource => ({
          uri: fileUri(f.id), name: f.name, title: f.uri, mimeType: 'application/json',
          description: `${f.status}, ${f.mime_type}, ${f.size} bytes, ${f.resource_count} chunks`,
        })),
      }),
    }),
    {
      title: 'A file in the vault',
      description: "One of the user's files: processing status (and error), parser, chunk count, type, size and metadata, as JSON.",
      mimeType: 'application/json',
    },
    (uri, { id }) => read(app, uri, async () => {
      const file = toFileDto(await files.get(actor, one(id)));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(file, null, 2) }] };
    }),
  );

  server.registerResource(
    'resource',
    new ResourceTemplate('p8fs://resources/{id}', {
      // The chunks of the newest files, in reading order, up to the cap.
      list: async () => {
        const out: Resource[] = [];
        for (const f of await firstFiles()) {
          if (out.length >= RESOURCE_LIST_LIMIT) break;
          if (f.resource_count === 0) continue;
          for (const r of (await resources.listForFile(actor, f.id)).slice(0, RESOURCE_LIST_LIMIT - out.length))
            out.push({ uri: resourceUri(r.id), name: r.name, title: r.uri, mimeType: 'text/markdown', description: `chunk ${r.ordinal} of ${f.name}` });
        }
        return { resources: out };
      },
    }),
    {
      title: 'A passage of the vault',
      description: 'The full text of one resource (a chunk of a file, or a saved memory) with its provenance uri, for quoting and citing.',
      mimeType: 'text/markdown',
    },
    (uri, { id }) => read(app, uri, async () => {
      const r = toResourceDto(await resources.get(actor, one(id)));
      const head = [`# ${r.name}`, `uri: ${r.uri}`, `resource_id: ${r.id}`, `file_id: ${r.file_id ?? '-'}`, `category: ${r.category}`];
      if (r.resource_timestamp) head.push(`dated: ${r.resource_timestamp}`);
      return { contents: [{ uri: uri.href, mimeType: 'text/markdown', text: `${head.join('\n')}\n\n${r.content}` }] };
    }),
  );
}

export function one(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/** Map service errors to MCP errors: not found as -32002, other AppErrors as invalid params, the rest logged and hidden. */
export async function read(app: App, uri: URL, body: () => Promise<ReadResourceResult>): Promise<ReadResourceResult> {
  try {
    return await body();
  } catch (err) {
    if (isAppError(err)) {
      const notFound = err.code.endsWith('not_found');
      throw new McpError(notFound ? RESOURCE_NOT_FOUND : ErrorCode.InvalidParams, `${err.code}: ${err.message}`, { uri: uri.href });
    }
    app.log.error({ err, uri: uri.href }, 'mcp: resource read failed');
    throw new McpError(ErrorCode.InternalError, 'internal: the read failed; the server log has the details');
  }
}
