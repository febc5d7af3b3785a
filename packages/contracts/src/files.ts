import { z } from 'zod';

export const FILE_STATUSES = ['pending', 'processing', 'indexed', 'failed'] as const;
export const FileStatus = z.enum(FILE_STATUSES);
export type FileStatus = z.infer<typeof FileStatus>;

/** A file as the API presents it. */
export const FileDto = z.object({
  id: z.string().uuid(),
  name: z.string(),
  uri: z.string(),
  size: z.number().int(),
  mime_type: z.string(),
  content_hash: z.string(),
  status: FileStatus,
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  parser: z.string().nullable(),
  resource_count: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  /** The archive, e-mail or mailbox this file was found in; null for an upload. */
  parent_id: z.string().uuid().nullable(),
  depth: z.number().int(),
  created_at: z.string(),
  updated_at: z.string(),
  indexed_at: z.string().nullable(),
});
export type FileDto = z.infer<typeof FileDto>;

export const UploadResult = z.object({
  id: z.string().uuid(),
  status: FileStatus,
  /** true when identical content was already stored under this name: nothing new to do. */
  unchanged: z.boolean(),
  file: FileDto,
});
export type UploadResult = z.infer<typeof UploadResult>;

export const ListFilesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  status: FileStatus.optional(),
  q: z.string().optional().describe('substring of the file name or uri'),
  mime_type: z.string().optional(),
  parent_id: z.string().uuid().optional().describe('only the files found inside this container'),
});
export type ListFilesQuery = z.infer<typeof ListFilesQuery>;

export const FileList = z.object({
  files: z.array(FileDto),
  total: z.number().int(),
  limit: z.number().int(),
  offset: z.number().int(),
});
export type FileList = z.infer<typeof FileList>;

/** A derived binary of a file (thumbnail, video keyframe). */
export const ArtifactDto = z.object({
  name: z.string(),
  role: z.enum(['thumbnail', 'keyframe']),
  mime_type: z.string(),
  size: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
});
export type ArtifactDto = z.infer<typeof ArtifactDto>;

/** POST /api/v1/files/reprocess: which files to process again. */
export const ReprocessRequest = z
  .object({
    ids: z.array(z.string().uuid()).max(10_000).optional(),
    stale: z.boolean().optional().describe('files read by an older version of their parser'),
    failed: z.boolean().optional().describe('failed files, e.g. after installing a missing tool'),
  })
  .refine((r) => r.stale || r.failed || (r.ids?.length ?? 0) > 0, { message: 'give ids, stale or failed' });
export type ReprocessRequest = z.infer<typeof ReprocessRequest>;

export const ReprocessResult = z.object({ queued: z.number().int() });
export type ReprocessResult = z.infer<typeof ReprocessResult>;
