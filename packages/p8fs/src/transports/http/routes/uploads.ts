import { posix } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UploadResult } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { AppError } from '../../../domain/errors.js';
import type { CreateResult } from '../../../services/files.js';
import { toUploadResult } from '../../presenters.js';
import { parseWith } from '../input.js';
import { receiveFile } from '../multipart.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';
import { BINARY_JSON_SCHEMA, RawUploadQuery, UPLOAD_FORM_JSON_SCHEMA, UploadFields } from '../schemas.js';

// Room for multipart boundaries and the text fields on top of the file itself.
const MULTIPART_OVERHEAD = 2 * 1024 * 1024;

const UPLOAD_RESPONSES = {
  200: { description: 'identical content was already stored under this path: nothing to do', body: json(UploadResult) },
  202: { description: 'stored; processing (parse, chunk, embed) runs in the background', body: json(UploadResult) },
};

/** Uploads: multipart form (browsers, Obsidian) and raw body (curl, the CLI), both streamed to storage. */
export function uploadRoutes(app: App): RouteSpec[] {
  const maxBytes = app.config.maxUploadMb * 1024 * 1024;
  const files = app.services.files;

  const multipart = async (c: Ctx): Promise<Response> => {
    refuseDeclaredOversize(c, maxBytes + MULTIPART_OVERHEAD, maxBytes);
    const result = await receiveFile(c.req.raw, async (part) => {
      const fields = parseWith(UploadFields, part.fields, 'form');
      const name = part.filename ? posix.basename(part.filename) : fields.path ? posix.basename(fields.path) : '';
      if (!name) throw new AppError('validation_failed', 'file: the part needs a filename, or send a path field');
      return files.create(c.get('actor'), { name, uri: fields.path ?? name, mimeType: part.mimeType, metadata: fields.metadata }, part.body);
    });
    return answer(c, result);
  };

  const raw = async (c: Ctx): Promise<Response> => {
    const q = parseWith(RawUploadQuery, c.req.query(), 'query');
    refuseDeclaredOversize(c, maxBytes, maxBytes);
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    const name = q.name ?? posix.basename(q.path ?? '');
    const mimeType = c.req.header('content-type')?.split(';')[0]?.trim() || undefined;
    return answer(c, await files.create(c.get('actor'), { name, uri: q.path ?? name, mimeType }, body));
  };

  // An upload link from an MCP host (upload_file without content): the ticket in the path is the
  // credential, so this route is public; the ticket names the tenant, the path and the size limit.
  const ticketed = async (c: Ctx): Promise<Response> => {
    const grant = await app.services.uploadTickets.redeem(c.req.param('token') ?? '');
    refuseDeclaredOversize(c, grant.maxBytes, grant.maxBytes);
    const body = c.req.raw.body ? Readable.fromWeb(c.req.raw.body as WebReadableStream<Uint8Array>) : Readable.from([]);
    const mimeType = grant.mimeType ?? (c.req.header('content-type')?.split(';')[0]?.trim() || undefined);
    return answer(c, await files.create(grant.actor, { name: posix.basename(grant.name), uri: grant.uri, mimeType }, body));
  };

  return [
    {
      method: 'put', path: '/api/v1/uploads/{token}', operationId: 'uploadWithTicket', tag: 'files', public: true,
      summary: 'Upload one file with a single-use upload link (no bearer token)',
      description: 'The link comes from the MCP tool upload_file (or another authorised client); it names the file and expires after 15 minutes. `curl -T FILE URL`.',
      params: { token: 'the ticket from the upload link' },
      body: { contentType: 'application/octet-stream', schema: { jsonSchema: BINARY_JSON_SCHEMA } },
      responses: UPLOAD_RESPONSES, errors: [404, 413, 415], handler: ticketed,
    },
    {
      method: 'post', path: '/api/v1/files', operationId: 'uploadFile', tag: 'files', summary: 'Upload a file (multipart)',
      description: 'multipart/form-data with a "file" part, streamed to storage. Optional "path" and "metadata" fields must come before the file part. Returns at once; poll GET /api/v1/files/{id} for status.',
      body: { contentType: 'multipart/form-data', schema: { jsonSchema: UPLOAD_FORM_JSON_SCHEMA }, encoding: { metadata: { contentType: 'application/json' } } },
      responses: UPLOAD_RESPONSES, errors: [400, 413, 415], handler: multipart,
    },
    {
      method: 'put', path: '/api/v1/files/content', operationId: 'uploadFileRaw', tag: 'files', summary: 'Upload a file (raw body)',
      description: 'The request body is the file; Content-Type is its media type. Handy for curl --data-binary / -T.',
      query: RawUploadQuery,
      body: { contentType: 'application/octet-stream', schema: { jsonSchema: BINARY_JSON_SCHEMA } },
      responses: UPLOAD_RESPONSES, errors: [400, 413, 415], handler: raw,
    },
  ];
}

function answer(c: Ctx, result: CreateResult): Response {
  return c.json(toUploadResult(result), result.unchanged ? 200 : 202);
}

/** Refuse at once when Content-Length already says too much, instead of reading the body first. */
function refuseDeclaredOversize(c: Ctx, allowed: number, maxBytes: number): void {
  const declared = Number(c.req.header('content-length'));
  if (Number.isFinite(declared) && declared > allowed) {
    throw new AppError('file.too_large', `upload exceeds the limit of ${maxBytes} bytes`);
  }
}
