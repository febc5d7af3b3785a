import { Readable } from 'node:stream';
import { FileDto, FileList, ReprocessRequest, ReprocessResult } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toArtifactDto, toFileDto, toFileList, toResourceDto } from '../../presenters.js';
import { parseWith, readJson } from '../input.js';
import { requestedRange } from '../range.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';
import { ArtifactList, BINARY_JSON_SCHEMA, FileListQuery, ResourceList } from '../schemas.js';

const ID = { id: 'file id (UUID); anything else is simply not found' };

/** Files: list, read, download, delete, and the resources made from one. */
export function fileRoutes(app: App): RouteSpec[] {
  const { files, resources } = app.services;

  const list = async (c: Ctx) => {
    const q = parseWith(FileListQuery, c.req.query(), 'query');
    return c.json(toFileList(await files.list(c.get('actor'), q), q));
  };
  const get = async (c: Ctx) => c.json(toFileDto(await files.get(c.get('actor'), c.req.param('id') ?? '')));
  const content = async (c: Ctx) => {
    const got = await files.content(c.get('actor'), c.req.param('id') ?? '', requestedRange(c.req.header('Range'), c.req.header('If-Range')));
    const { file } = got;
    if (got.kind === 'unsatisfiable') return c.body(null, 416, { 'Content-Range': `bytes */${file.size}`, 'Accept-Ranges': 'bytes' });
    const headers = {
      'Content-Type': file.mime_type,
      'Content-Disposition': attachment(file.name),
      'Accept-Ranges': 'bytes',
      // Uploaded HTML must never run as a page of this origin.
      'X-Content-Type-Options': 'nosniff',
    };
    const body = Readable.toWeb(got.stream) as unknown as ReadableStream;
    if (got.kind === 'full') return c.body(body, 200, { ...headers, 'Content-Length': String(file.size) });
    const { start, end } = got.range;
    return c.body(body, 206, { ...headers, 'Content-Length': String(end - start + 1), 'Content-Range': `bytes ${start}-${end}/${file.size}` });
  };
  const remove = async (c: Ctx) => {
    await files.delete(c.get('actor'), c.req.param('id') ?? '');
    return c.body(null, 204);
  };
  const fileResources = async (c: Ctx) => {
    const rows = await resources.listForFile(c.get('actor'), c.req.param('id') ?? '');
    return c.json({ resources: rows.map(toResourceDto) });
  };

  const reprocess = async (c: Ctx) => c.json(await files.reprocess(c.get('actor'), parseWith(ReprocessRequest, await readJson(c), 'body')), 202);
  const artifacts = async (c: Ctx) =>
    c.json({ artifacts: (await files.artifacts(c.get('actor'), c.req.param('id') ?? '')).map(toArtifactDto) });
  const artifactContent = async (c: Ctx) => {
    const { artifact, stream } = await files.artifactContent(c.get('actor'), c.req.param('id') ?? '', c.req.param('name') ?? '');
    return c.body(Readable.toWeb(stream) as unknown as ReadableStream, 200, {
      'Content-Type': artifact.mime_type,
      'Content-Length': String(artifact.size),
      'X-Content-Type-Options': 'nosniff',
      // Derived from immutable content: a new upload gets new artifacts under the same names, so revalidate.
      'Cache-Control': 'private, no-cache',
    });
  };

  return [
    {
      method: 'get', path: '/api/v1/files', operationId: 'listFiles', tag: 'files', summary: 'List files, newest first',
      query: FileListQuery, responses: { 200: { description: 'a page of files', body: json(FileList) } }, errors: [400], handler: list,
    },
    {
      method: 'get', path: '/api/v1/files/{id}', operationId: 'getFile', tag: 'files', summary: 'One file with its processing status and error',
      params: ID, responses: { 200: { description: 'the file', body: json(FileDto) } }, errors: [404], handler: get,
    },
    {
      method: 'get', path: '/api/v1/files/{id}/content', operationId: 'getFileContent', tag: 'files', summary: 'Download the original bytes',
      description: 'Takes one byte range (Range: bytes=a-b, bytes=a- or bytes=-n) and answers 206 with Content-Range; '
        + 'several ranges, another unit, a malformed header or any If-Range get the whole file.',
      params: ID,
      responses: {
        200: { description: 'the bytes as uploaded (Accept-Ranges: bytes)', body: { contentType: '*/*', schema: { jsonSchema: BINARY_JSON_SCHEMA } } },
        206: { description: 'the bytes of the one range asked for; Content-Range: bytes a-b/size', body: { contentType: '*/*', schema: { jsonSchema: BINARY_JSON_SCHEMA } } },
        416: { description: 'the file has none of the bytes asked for; Content-Range: bytes */size gives its size (no body)' },
      },
      errors: [404], handler: content,
    },
    {
      method: 'delete', path: '/api/v1/files/{id}', operationId: 'deleteFile', tag: 'files', summary: 'Delete a file, its resources and embeddings',
      params: ID, responses: { 204: { description: 'deleted' } }, errors: [404], handler: remove,
    },
    {
      method: 'get', path: '/api/v1/files/{id}/resources', operationId: 'listFileResources', tag: 'files', summary: 'The resources (chunks) of a file, in order',
      params: ID, responses: { 200: { description: 'the resources', body: json(ResourceList) } }, errors: [404], handler: fileResources,
    },
    {
      method: 'post', path: '/api/v1/files/reprocess', operationId: 'reprocessFiles', tag: 'files',
      summary: 'Process files again: by id, those an older parser version read (stale), or failed ones',
      // Up to 10,000 ids (contract) of 39 bytes each.
      body: json(ReprocessRequest), maxBodyBytes: 1024 * 1024, responses: { 202: { description: 'how many files were queued', body: json(ReprocessResult) } },
      errors: [400], handler: reprocess,
    },
    {
      method: 'get', path: '/api/v1/files/{id}/artifacts', operationId: 'listFileArtifacts', tag: 'files',
      summary: 'Thumbnails and video keyframes made from a file',
      params: ID, responses: { 200: { description: 'the artifacts', body: json(ArtifactList) } }, errors: [404], handler: artifacts,
    },
    {
      method: 'get', path: '/api/v1/files/{id}/artifacts/{name}', operationId: 'getFileArtifact', tag: 'files',
      summary: 'The bytes of one artifact (e.g. the WebP thumbnail)',
      params: { ...ID, name: 'artifact name, e.g. thumbnail or keyframe-1' },
      responses: { 200: { description: 'the artifact bytes', body: { contentType: 'image/*', schema: { jsonSchema: BINARY_JSON_SCHEMA } } } },
      errors: [404], handler: artifactContent,
    },
  ];
}

/** Content-Disposition that survives any file name: an ASCII fallback plus the RFC 5987 UTF-8 form. */
function attachment(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`;
}
