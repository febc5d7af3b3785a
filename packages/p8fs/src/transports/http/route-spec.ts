import type { Context } from 'hono';
import type { z } from 'zod';
import type { Actor } from '../../domain/actor.js';

/** What the middleware puts on every request context: the actor, and the matched route's path template (metrics). */
export type HttpEnv = { Variables: { actor: Actor; route: string } };
export type Ctx = Context<HttpEnv>;

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** A body for the OpenAPI document: a zod schema (converted there) or raw JSON Schema (multipart, binary). */
export type DocSchema = z.ZodType | { jsonSchema: Record<string, unknown> };

export interface BodySpec {
  contentType: string;
  schema: DocSchema;
  description?: string;
  /** per-part encoding of a multipart body (OpenAPI `encoding`) */
  encoding?: Record<string, { contentType: string }>;
}

export interface ResponseSpec {
  description: string;
  body?: BodySpec;
}

/**
 * One HTTP route: how Hono registers it and how the OpenAPI document describes it, in one place,
 * so the document cannot drift from what the server answers.
 */
export interface RouteSpec {
  method: HttpMethod;
  /** OpenAPI-style path, e.g. /api/v1/files/{id}; Hono gets /api/v1/files/:id */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: 'system' | 'files' | 'resources' | 'search' | 'auth' | 'moments' | 'agents' | 'sync';
  /** true: answered without resolving an actor (probes, docs); auth will skip these routes */
  public?: boolean;
  /** path parameter name -> description */
  params?: Record<string, string>;
  query?: z.ZodObject;
  body?: BodySpec;
  /** Bytes a JSON body may have (default 64 KiB, refused with 413 before reading); streamed uploads have their own limit. */
  maxBodyBytes?: number;
  responses: Record<number, ResponseSpec>;
  /** statuses this route answers with an ErrorBody besides 500 */
  errors?: number[];
  handler: (c: Ctx) => Response | Promise<Response>;
}

/** Hono's path syntax for an OpenAPI path: {id} -> :id. */
export function honoPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

/** A JSON body described by a zod schema. */
export function json(schema: z.ZodType, description?: string): BodySpec {
  return description === undefined ? { contentType: 'application/json', schema } : { contentType: 'application/json', schema, description };
}
