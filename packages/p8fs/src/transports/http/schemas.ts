import { ArtifactDto, ListFilesQuery, ResourceDto } from '@p8fs/contracts';
import { z } from 'zod';

// Wire shapes that only the HTTP transport has (query strings, multipart fields, probe bodies).
// The shared bodies (FileDto, SearchRequest, ...) stay in @p8fs/contracts.

/** GET /api/v1/files: the contract's filters plus an exact uri match. */
export const FileListQuery = ListFilesQuery.extend({
  uri: z.string().min(1).optional().describe('exact logical uri (the path given at upload)'),
});

/** GET /api/v1/files/{id}/artifacts */
export const ArtifactList = z.object({ artifacts: z.array(ArtifactDto) });

/** GET /api/v1/files/{id}/resources */
export const ResourceList = z.object({ resources: z.array(ResourceDto) });

/** GET /health and /live */
export const Health = z.object({ status: z.literal('ok'), version: z.string() });

/** GET /ready when the database answers */
export const Ready = z.object({ status: z.literal('ready'), version: z.string() });

const logicalPath = z.string().trim().min(1).max(4096);

// Multipart text fields arrive as strings; metadata is a JSON object inside one.
const metadataJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
      return z.NEVER;
    }
  })
  .pipe(z.record(z.string(), z.unknown()));

/** Text fields of POST /api/v1/files (sent before the file part). */
export const UploadFields = z.object({
  path: logicalPath.optional().describe('logical uri; defaults to the file name. The same path replaces the same file.'),
  metadata: metadataJson.optional().describe('a JSON object stored with the file'),
});

/** Query of PUT /api/v1/files/content (raw body upload). */
export const RawUploadQuery = z
  .object({
    path: logicalPath.optional().describe('logical uri; defaults to name'),
    name: z.string().trim().min(1).max(1024).optional().describe('file name; defaults to the last segment of path'),
  })
  .refine((q) => q.path !== undefined || q.name !== undefined, { message: 'give path or name', path: ['path'] });

/** The multipart form as JSON Schema for the OpenAPI document (zod has no binary type). */
export const UPLOAD_FORM_JSON_SCHEMA: Record<string, unknown> = {
  type: 'object',
  required: ['file'],
  properties: {
    path: { type: 'string', description: 'logical uri; defaults to the file name. Send before "file".' },
    metadata: { type: 'string', description: 'a JSON object stored with the file. Send before "file".' },
    file: { type: 'string', contentMediaType: 'application/octet-stream', description: 'the bytes; must be the last part' },
  },
};

/** Raw bytes (uploads and downloads) as JSON Schema. */
export const BINARY_JSON_SCHEMA: Record<string, unknown> = { type: 'string', contentMediaType: 'application/octet-stream' };
