import type { AgentDto, ArtifactDto, FileDto, FileList, MomentDto, MomentList, ResourceDto, UploadResult } from '@p8fs/contracts';
import { momentResourceId } from '../services/moment-write.js';
import type { AgentRow } from '../services/sql/agents.js';
import type { ArtifactRow } from '../services/sql/artifacts.js';
import type { CreateResult } from '../services/files.js';
import type { FileRow } from '../services/sql/files.js';
import type { MomentRow } from '../services/sql/moments.js';
import type { ResourceRow } from '../services/sql/resources.js';

// Presenters are the only way a stored row becomes JSON: every transport (HTTP, CLI --json, MCP)
// calls these, so tenant ids and blob keys never leak and dates always read the same.

/** A file row as the API shows it: ISO dates, the error as {code, message} or null. */
export function toFileDto(row: FileRow): FileDto {
  return {
    id: row.id,
    name: row.name,
    uri: row.uri,
    size: Number(row.size),
    mime_type: row.mime_type,
    content_hash: row.content_hash,
    status: row.status,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    parser: row.parser,
    resource_count: row.resource_count,
    metadata: row.metadata ?? {},
    parent_id: row.parent_id ?? null,
    depth: row.depth ?? 0,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    indexed_at: row.indexed_at ? iso(row.indexed_at) : null,
  };
}

/** A resource row as the API shows it. */
export function toResourceDto(row: ResourceRow): ResourceDto {
  return {
    id: row.id,
    file_id: row.file_id,
    name: row.name,
    category: row.category,
    content: row.content,
    summary: row.summary,
    ordinal: row.ordinal,
    uri: row.uri,
    metadata: row.metadata ?? {},
    resource_timestamp: row.resource_timestamp ? iso(row.resource_timestamp) : null,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** The answer to an upload: the file as stored and whether anything changed. */
export function toUploadResult(result: CreateResult): UploadResult {
  return { id: result.file.id, status: result.file.status, unchanged: result.unchanged, file: toFileDto(result.file) };
}

/** A page of files with the paging it was asked for. */
export function toFileList(page: { rows: FileRow[]; total: number }, paging: { limit: number; offset: number }): FileList {
  return { files: page.rows.map(toFileDto), total: page.total, limit: paging.limit, offset: paging.offset };
}

// Drivers hand back Date objects, but a row read from JSON (a cache, a job payload) carries strings.
function iso(d: Date | string): string {
  return d instanceof Date ? d.toISOString() : new Date(d).toISOString();
}

/** A thumbnail or keyframe as the API shows it (never its blob key). */
export function toArtifactDto(row: ArtifactRow): ArtifactDto {
  return { name: row.name, role: row.role, mime_type: row.mime_type, size: Number(row.size), metadata: row.metadata ?? {} };
}

/** A moment as the API shows it, with the id of the resource that makes it searchable. */
export function toMomentDto(row: MomentRow): MomentDto {
  return {
    id: row.id,
    name: row.name,
    content: row.content,
    summary: row.summary,
    moment_type: row.moment_type,
    starts_at: row.starts_at ? iso(row.starts_at) : null,
    ends_at: row.ends_at ? iso(row.ends_at) : null,
    present_persons: row.present_persons ?? [],
    speakers: row.speakers ?? [],
    location: row.location,
    emotion_tags: row.emotion_tags ?? [],
    topic_tags: row.topic_tags ?? [],
    metadata: row.metadata ?? {},
    resource_id: momentResourceId(row.tenant_id, row.id),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A page of moments with the paging it was asked for. */
export function toMomentList(page: { rows: MomentRow[]; total: number }, paging: { limit: number; offset: number }): MomentList {
  return { moments: page.rows.map(toMomentDto), total: page.total, limit: paging.limit, offset: paging.offset };
}

/** An agent definition as the API shows it. */
export function toAgentDto(row: AgentRow): AgentDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    system_prompt: row.system_prompt,
    output_schema: row.output_schema ?? null,
    tools: row.tools ?? [],
    metadata: row.metadata ?? {},
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}
