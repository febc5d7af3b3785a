import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import {
  CreateAccessTokenBody as CreateAccessTokenSchema, RemAskRequest as RemAskRequestSchema, RemQueryRequest as RemQueryRequestSchema,
  type ExportEdgePage, type ExportPageQuery, type ExportResourcePage, type RemAskRequest, type RemAskResult,
} from '@p8fs/contracts';
import type {
  AccessTokenDto, AccessTokenList, CreateAccessTokenBody, CreatedAccessToken, RemQueryRequest, RemResult,
  FileDto, FileList, ListFilesQuery, MomentCreate, MomentDto, MomentList, MomentListQuery, ReprocessRequest, ReprocessResult, ResourceDto,
  SearchRequest, SearchResponse, UploadResult, VaultStatus,
} from '@p8fs/contracts';
import { AppError } from '../../../domain/errors.js';
import { toAccessTokenDto } from '../../../services/auth/access-tokens.js';
import { parseInput } from '../command.js';
import { toExportEdgePage, toExportResourcePage } from '../../export-presenters.js';
import { toFileDto, toFileList, toMomentDto, toMomentList, toResourceDto, toUploadResult } from '../../presenters.js';
import type { Embedded } from '../embedded.js';
import type { ChatRequest, ChatStream, LocalFile, VaultClient } from './client.js';

/** The vault in this process: each method is one service call, presented like the HTTP API. */
export class LocalVault implements VaultClient {
  readonly location: string;

  constructor(private readonly embedded: Embedded) {
    this.location = `in process on ${embedded.app.config.dataDir}`;
  }

  private get app() {
    return this.embedded.app;
  }

  async upload(file: LocalFile): Promise<UploadResult> {
    return toUploadResult(await this.app.services.files.create(this.app.owner, { name: file.name, uri: file.uri }, createReadStream(file.path)));
  }

  async findByUri(uri: string): Promise<FileDto | null> {
    const { rows } = await this.app.services.files.list(this.app.owner, { uri, limit: 1, offset: 0 });
    return rows[0] ? toFileDto(rows[0]) : null;
  }

  async listFiles(query: ListFilesQuery): Promise<FileList> {
    return toFileList(await this.app.services.files.list(this.app.owner, query), query);
  }

  async getFile(id: string): Promise<FileDto> {
    return toFileDto(await this.app.services.files.get(this.app.owner, id));
  }

  async fileResources(id: string): Promise<ResourceDto[]> {
    return (await this.app.services.resources.listForFile(this.app.owner, id)).map(toResourceDto);
  }

  async deleteFile(id: string): Promise<void> {
    await this.app.services.files.delete(this.app.owner, id);
  }

  async download(id: string): Promise<Readable> {
    return (await this.app.services.files.content(this.app.owner, id)).stream;
  }

  async exportResources(query: ExportPageQuery): Promise<ExportResourcePage> {
    return toExportResourcePage(await this.app.services.exporter.resources(this.app.owner, query));
  }

  async exportEdges(query: ExportPageQuery): Promise<ExportEdgePage> {
    return toExportEdgePage(await this.app.services.exporter.edges(this.app.owner, query));
  }

  async backup(opts: { includeMasterKey: boolean }): Promise<AsyncIterable<Uint8Array>> {
    return (await this.app.services.backup.open(this.app.owner, opts)).chunks;
  }

  reprocessFiles(request: ReprocessRequest): Promise<ReprocessResult> {
    return this.app.services.files.reprocess(this.app.owner, request);
  }

  search(request: SearchRequest): Promise<SearchResponse> {
    return this.app.services.search.search(this.app.owner, request);
  }

  async rem(request: RemQueryRequest): Promise<RemResult> {
    const { query, limit, ask } = parseInput(RemQueryRequestSchema, request, 'REM query');
    // Through JSON, so rows look the same as from a server (dates as ISO strings).
    const res = await this.app.services.rem.query(this.app.owner, query, { ...(limit === undefined ? {} : { limit }), ...(ask === undefined ? {} : { ask }) });
    return JSON.parse(JSON.stringify(res)) as RemResult;
  }

  async remAsk(request: RemAskRequest): Promise<RemAskResult> {
    const { ask, limit } = parseInput(RemAskRequestSchema, request, 'REM question');
    const res = await this.app.services.rem.ask(this.app.owner, ask, limit === undefined ? {} : { limit });
    return JSON.parse(JSON.stringify(res)) as RemAskResult;
  }

  async chat(request: ChatRequest, signal: AbortSignal): Promise<ChatStream> {
    // In process the model is called from here, as on an end-to-end vault's device over its replica.
    const run = await this.app.services.chat.start(this.app.owner, {
      model: request.agent, messages: [{ role: 'user', content: request.message }], sessionId: request.sessionId, momentId: request.momentId, channel: 'cli',
    }, signal);
    return { sessionId: run.sessionId, events: run.events };
  }

  status(): Promise<VaultStatus> {
    return this.app.services.status.status(this.app.owner);
  }

  async listMoments(query: MomentListQuery): Promise<MomentList> {
    const page = await this.app.services.moments.list(this.app.owner, query);
    return toMomentList(page, page.query);
  }

  async getMoment(id: string): Promise<MomentDto> {
    return toMomentDto(await this.app.services.moments.get(this.app.owner, id));
  }

  async createMoment(input: MomentCreate): Promise<MomentDto> {
    return toMomentDto(await this.app.services.moments.create(this.app.owner, input));
  }

  async deleteMoment(id: string): Promise<void> {
    await this.app.services.moments.delete(this.app.owner, id);
  }

  async createAccessToken(input: CreateAccessTokenBody): Promise<CreatedAccessToken> {
    const body = parseInput(CreateAccessTokenSchema, input, 'access token');
    const { token, row } = await this.app.services.accessTokens.create(this.app.owner, body);
    return { ...toAccessTokenDto(row), token };
  }

  async listAccessTokens(): Promise<AccessTokenList> {
    return { tokens: (await this.app.services.accessTokens.list(this.app.owner)).map((r) => toAccessTokenDto(r)) };
  }

  async revokeAccessToken(id: string): Promise<AccessTokenDto> {
    return toAccessTokenDto(await this.app.services.accessTokens.revoke(this.app.owner, id));
  }

  async startWorkers(): Promise<() => Promise<void>> {
    if (this.app.config.workers < 1)
      throw new AppError('validation_failed', 'waiting runs the jobs in this process: it needs --workers 1 or more');
    this.app.pool.start();
    return () => this.app.pool.stop();
  }

  close(): Promise<void> {
    return this.embedded.close();
  }
}
