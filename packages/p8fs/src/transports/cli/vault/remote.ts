import { openAsBlob } from 'node:fs';
import { Readable } from 'node:stream';
import {
  AccessTokenDto, AccessTokenList, type CreateAccessTokenBody, CreatedAccessToken, type TokenAudience,
  type ErrorCode, ErrorBody, ExportEdgePage, type ExportPageQuery, ExportResourcePage, FileDto, FileList, type ListFilesQuery, type MomentCreate, MomentDto, MomentList, type MomentListQuery,
  type RemAskRequest, RemAskResult, type RemQueryRequest, RemResult, type ReprocessRequest, ReprocessResult, ResourceDto, type SearchRequest, SearchResponse, TokenSet, UploadResult, VaultStatus,
} from '@p8fs/contracts';
import { z } from 'zod';
import { readOwnerSecret } from '../../../adapters/db/owner-secret.js';
import { AppError, errorMessage } from '../../../domain/errors.js';
import type { ChatRequest, ChatStream, LocalFile, VaultClient } from './client.js';
import { remoteChat } from './remote-chat.js';

const ResourceList = z.object({ resources: z.array(ResourceDto) });

// When a reply is not our error body (a proxy, a crash page) the HTTP status still says what kind of failure it was.
const STATUS_CODES: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'file.too_large', 422: 'validation_failed' };

/** The vault behind a running `p8fs serve`, over its REST API. Replies are checked against the contracts. */
export class RemoteVault implements VaultClient {
  readonly location: string;
  private readonly base: string;
  private bearer: Promise<string | null> | undefined;

  /** `token` gives the access token to send (fetched once, lazily); none sends no Authorization. */
  constructor(url: string, private readonly token: () => Promise<string | null> = async () => null) {
    this.base = url.replace(/\/+$/, '');
    this.location = `the server at ${this.base}`;
  }

  async upload(file: LocalFile): Promise<UploadResult> {
    // Fields before the file part, so the server knows the uri before the bytes stream in;
    // openAsBlob reads the file lazily, so a large file is never held in memory.
    const form = new FormData();
    form.append('path', file.uri);
    form.append('file', await openAsBlob(file.path), file.name);
    return this.call('POST', '/api/v1/files', UploadResult, { form });
  }

  async findByUri(uri: string): Promise<FileDto | null> {
    const list = await this.call('GET', `/api/v1/files?${new URLSearchParams({ uri, limit: '1' })}`, FileList);
    return list.files.find((f) => f.uri === uri) ?? null;
  }

  listFiles(query: ListFilesQuery): Promise<FileList> {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return this.call('GET', `/api/v1/files?${params}`, FileList);
  }

  getFile(id: string): Promise<FileDto> {
    return this.call('GET', `/api/v1/files/${encodeURIComponent(id)}`, FileDto);
  }

  async fileResources(id: string): Promise<ResourceDto[]> {
    return (await this.call('GET', `/api/v1/files/${encodeURIComponent(id)}/resources`, ResourceList)).resources;
  }

  async download(id: string): Promise<Readable> {
    const res = await this.request('GET', `/api/v1/files/${encodeURIComponent(id)}/content`);
    if (!res.body) throw new AppError('internal', `the server sent no body for file ${id}`);
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  async backup(opts: { includeMasterKey: boolean }): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.request('POST', `/api/v1/backup?include_master_key=${opts.includeMasterKey}`);
    if (!res.body) throw new AppError('internal', 'the server sent no backup');
    // Content-Length is set: a reply cut short fails this stream instead of ending it early.
    return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
  }

  exportResources(query: ExportPageQuery): Promise<ExportResourcePage> {
    return this.call('GET', `/api/v1/export/resources?${pageParams(query)}`, ExportResourcePage);
  }

  exportEdges(query: ExportPageQuery): Promise<ExportEdgePage> {
    return this.call('GET', `/api/v1/export/edges?${pageParams(query)}`, ExportEdgePage);
  }

  async deleteFile(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/files/${encodeURIComponent(id)}`);
  }

  reprocessFiles(request: ReprocessRequest): Promise<ReprocessResult> {
    return this.call('POST', '/api/v1/files/reprocess', ReprocessResult, { json: request });
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.call('POST', '/api/v1/search', SearchResponse, { json: request });
  }

  rem(request: RemQueryRequest): Promise<RemResult> {
    return this.call('POST', '/api/v1/rem/query', RemResult, { json: request });
  }

  remAsk(request: RemAskRequest): Promise<RemAskResult> {
    return this.call('POST', '/api/v1/rem/query', RemAskResult, { json: request });
  }

  async chat(request: ChatRequest, signal: AbortSignal): Promise<ChatStream> {
    this.bearer ??= this.token();
    return remoteChat(this.base, await this.bearer, request, signal);
  }

  status(): Promise<VaultStatus> {
    return this.call('GET', '/api/v1/status', VaultStatus);
  }

  listMoments(query: MomentListQuery): Promise<MomentList> {
    const params = new URLSearchParams();
    // Tag lists travel as comma lists; the server splits them again.
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, Array.isArray(v) ? v.join(',') : String(v));
    return this.call('GET', `/api/v1/entity/moments?${params}`, MomentList);
  }

  getMoment(id: string): Promise<MomentDto> {
    return this.call('GET', `/api/v1/entity/moments/${encodeURIComponent(id)}`, MomentDto);
  }

  createMoment(input: MomentCreate): Promise<MomentDto> {
    return this.call('POST', '/api/v1/entity/moments', MomentDto, { json: input });
  }

  async deleteMoment(id: string): Promise<void> {
    await this.request('DELETE', `/api/v1/entity/moments/${encodeURIComponent(id)}`);
  }

  createAccessToken(input: CreateAccessTokenBody): Promise<CreatedAccessToken> {
    return this.call('POST', '/api/v1/tokens', CreatedAccessToken, { json: input });
  }

  listAccessTokens(): Promise<AccessTokenList> {
    return this.call('GET', '/api/v1/tokens', AccessTokenList);
  }

  revokeAccessToken(id: string): Promise<AccessTokenDto> {
    return this.call('DELETE', `/api/v1/tokens/${encodeURIComponent(id)}`, AccessTokenDto);
  }

  async startWorkers(): Promise<() => Promise<void>> {
    return async () => {};
  }

  async close(): Promise<void> {}

  /** A request whose reply is parsed with the contract schema. */
  private async call<T>(method: string, path: string, schema: z.ZodType<T>, body?: { json?: unknown; form?: FormData }): Promise<T> {
    const res = await this.request(method, path, body);
    const parsed = schema.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new AppError('internal', `unexpected reply from ${method} ${path}: ${z.prettifyError(parsed.error)}`);
    return parsed.data;
  }

  /** One request; a failed one becomes an AppError with the server's code. */
  private async request(method: string, path: string, body: { json?: unknown; form?: FormData } = {}): Promise<Response> {
    this.bearer ??= this.token();
    const token = await this.bearer;
    const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    const init: RequestInit =
      body.json !== undefined
        ? { method, headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify(body.json) }
        : { method, headers: auth, ...(body.form ? { body: body.form } : {}) };
    let res: Response;
    try {
      res = await fetchOnce(`${this.base}${path}`, init);
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new AppError('internal', `cannot reach the p8fs server at ${this.base} (${cause})`);
    }
    if (!res.ok) throw await toAppError(res);
    return res;
  }
}

/** An export page's query string. */
function pageParams(q: ExportPageQuery): URLSearchParams {
  return new URLSearchParams({ limit: String(q.limit), vectors: String(q.vectors), ...(q.after ? { after: q.after } : {}) });
}

/**
 * fetch, with one retry of a GET whose connection was reset: a pooled keep-alive socket can be
 * closed by the server just as it is reused. Requests with bodies are never retried (an upload
 * must not run twice).
 */
async function fetchOnce(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    const retriable = (init.method ?? 'GET') === 'GET' && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET');
    if (!retriable) throw err;
    return fetch(url, init);
  }
}

/** Owner tokens (API audience unless asked) from the server that holds this data dir, proven by the data dir's owner secret. */
export async function localOwnerToken(url: string, dataDir: string, audience: TokenAudience = 'api'): Promise<TokenSet> {
  const secret = readOwnerSecret(dataDir);
  if (secret === null) throw new AppError('unauthorized', `cannot read the owner secret in ${dataDir}: run as the user that runs the server, or pass --token`);
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/+$/, '')}/api/v1/auth/local-token?audience=${audience}`, { method: 'POST', headers: { 'x-p8fs-owner-secret': secret } });
  } catch (err) {
    throw new AppError('internal', `cannot reach the p8fs server at ${url} (${errorMessage(err)})`);
  }
  if (!res.ok) throw await toAppError(res);
  return TokenSet.parse(await res.json());
}

/** A failed reply as an AppError: our error body when it is one, else the kind of failure its status says. */
export async function toAppError(res: Response): Promise<AppError> {
  const text = await res.text().catch(() => '');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const body = ErrorBody.safeParse(json);
  if (body.success) return new AppError(body.data.error.code, body.data.error.message, body.data.error.details);
  return new AppError(STATUS_CODES[res.status] ?? 'internal', `server answered ${res.status} ${res.statusText}${text ? `: ${text.slice(0, 200)}` : ''}`);
}
