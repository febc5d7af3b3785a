import { ErrorBody, FileDto, FileList, ResourceDto, SearchHit, SearchRequest, SearchResponse, UploadResult, VaultStatus } from '@p8fs/contracts';
import { z } from 'zod';
import type { BodySpec, DocSchema, RouteSpec } from './route-spec.js';
import { Health, Ready, ResourceList } from './schemas.js';

type Json = Record<string, unknown>;

/** The OpenAPI 3.1 document (the parts we produce). */
export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  paths: Record<string, Record<string, Json>>;
  components: { schemas: Record<string, Json> };
}

// Named schemas become components and are referenced by $ref. Responses are described as the
// server sends them (defaults applied); request bodies as a client may send them (defaults optional).
const RESPONSE_SCHEMAS = { FileDto, UploadResult, FileList, ResourceDto, ResourceList, SearchHit, SearchResponse, VaultStatus, ErrorBody, Health, Ready };
const REQUEST_SCHEMAS = { SearchRequest };

const ERROR_TEXT: Record<number, string> = {
  400: 'invalid input', 401: 'not signed in', 403: 'not allowed', 404: 'not found', 409: 'conflict',
  413: 'upload over the size limit', 415: 'unsupported media type', 500: 'server error', 503: 'not ready',
};

/** Build the OpenAPI document from the route table and the contracts' zod schemas. */
export function buildOpenApi(routes: readonly RouteSpec[], version: string): OpenApiDocument {
  const refs = new Map<z.ZodType, string>();
  const schemas = { ...components(RESPONSE_SCHEMAS, 'output', refs), ...components(REQUEST_SCHEMAS, 'input', refs) };
  const paths: OpenApiDocument['paths'] = {};
  for (const route of routes) {
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, Json>)[route.method] = operation(route, refs);
  }
  return {
    openapi: '3.1.0',
    info: { title: 'P8FS', version, description: 'P8FS memory vault: files, resources and search. Errors answer with ErrorBody.' },
    paths,
    components: { schemas },
  };
}

function components(named: Record<string, z.ZodType>, io: 'input' | 'output', refs: Map<z.ZodType, string>): Record<string, Json> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(named)) {
    registry.add(schema, { id });
    refs.set(schema, id);
  }
  const out = z.toJSONSchema(registry, { io, uri: (id) => `#/components/schemas/${id}` }).schemas;
  return Object.fromEntries(Object.entries(out).map(([id, s]) => [id, strip(s as Json)]));
}

function operation(route: RouteSpec, refs: Map<z.ZodType, string>): Json {
  const parameters = [
    ...Object.entries(route.params ?? {}).map(([name, description]) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } })),
    ...(route.query ? queryParameters(route.query) : []),
  ];
  const responses: Json = {};
  for (const [status, r] of Object.entries(route.responses)) {
    responses[status] = r.body ? { description: r.description, content: content(r.body, refs, 'output') } : { description: r.description };
  }
  for (const status of [...(route.errors ?? []), 500]) {
    responses[String(status)] ??= { description: ERROR_TEXT[status] ?? 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } };
  }
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [route.tag],
    ...(parameters.length ? { parameters } : {}),
    ...(route.body ? { requestBody: { required: true, content: content(route.body, refs, 'input') } } : {}),
    responses,
  };
}

function content(body: BodySpec, refs: Map<z.ZodType, string>, io: 'input' | 'output'): Json {
  const media: Json = { schema: schemaOf(body.schema, refs, io) };
  if (body.encoding) media.encoding = body.encoding;
  return { [body.contentType]: media };
}

function schemaOf(s: DocSchema, refs: Map<z.ZodType, string>, io: 'input' | 'output'): Json {
  if ('jsonSchema' in s) return s.jsonSchema;
  const id = refs.get(s);
  return id ? { $ref: `#/components/schemas/${id}` } : strip(z.toJSONSchema(s, { io }) as Json);
}

/** Each property of a query schema as an OpenAPI query parameter. */
function queryParameters(query: z.ZodObject): Json[] {
  const js = z.toJSONSchema(query, { io: 'input' }) as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, schema]) => {
    const { description, ...rest } = schema;
    return { name, in: 'query', required: js.required?.includes(name) ?? false, ...(description ? { description } : {}), schema: rest };
  });
}

// Components live inside the document: a standalone $schema or $id would only confuse tools.
function strip(s: Json): Json {
  const { $schema: _schema, $id: _id, ...rest } = s;
  return rest;
}
