import type { Readable } from 'node:stream';
import type {
  ChatEvent, ExportEdgePage, ExportPageQuery, ExportResourcePage, RemAskRequest, RemAskResult,
  AccessTokenDto, AccessTokenList, CreateAccessTokenBody, CreatedAccessToken, RemQueryRequest, RemResult,
  FileDto, FileList, ListFilesQuery, MomentCreate, MomentDto, MomentList, MomentListQuery, ReprocessRequest, ReprocessResult, ResourceDto,
  SearchRequest, SearchResponse, UploadResult, VaultStatus,
} from '@p8fs/contracts';

/** One chat message from the CLI to an agent (`p8fs chat`). */
export interface ChatRequest {
  agent: string;
  message: string;
  sessionId?: string | undefined;
  momentId?: string | undefined;
}

/** A chat run as the CLI reads it: the session, then events as they come. */
export interface ChatStream {
  sessionId: string;
  events: AsyncIterable<ChatEvent>;
}

/** A local file to upload: its bytes are read from path, it is stored under uri. */
export interface LocalFile {
  path: string;
  name: string;
  uri: string;
}

/**
 * The vault as the CLI sees it, the same in both modes: in process over the App's services
 * (LocalVault) or against a running server over HTTP (RemoteVault). Results are wire DTOs either way.
 */
export interface VaultClient {
  /** Where commands run: "in process on <dir>" or "the server at <url>". */
  readonly location: string;
  /** Stream a file in; identical content under the same uri comes back unchanged. */
  upload(file: LocalFile): Promise<UploadResult>;
  /** The stored file with exactly this uri, or null. */
  findByUri(uri: string): Promise<FileDto | null>;
  listFiles(query: ListFilesQuery): Promise<FileList>;
  getFile(id: string): Promise<FileDto>;
  fileResources(id: string): Promise<ResourceDto[]>;
  deleteFile(id: string): Promise<void>;
  /** A file's original bytes, as stored (decrypted by the vault, never by the CLI). */
  download(id: string): Promise<Readable>;
  /** `p8fs export`: every resource of the vault (vectors when asked), a keyset page at a time. */
  exportResources(query: ExportPageQuery): Promise<ExportResourcePage>;
  /** `p8fs export`: the graph's edges, a keyset page at a time. */
  exportEdges(query: ExportPageQuery): Promise<ExportEdgePage>;
  /** `p8fs backup`: the archive's bytes as they stream (owner only, embedded vaults only; decision 0021). */
  backup(opts: { includeMasterKey: boolean }): Promise<AsyncIterable<Uint8Array>>;
  /** Queue files to be processed again (by id, stale parser version, or failed). */
  reprocessFiles(request: ReprocessRequest): Promise<ReprocessResult>;
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Run one REM query (LOOKUP, FUZZY, SEARCH, SELECT, TRAVERSE). */
  rem(request: RemQueryRequest): Promise<RemResult>;
  /** A question in plain language: the chat model plans REM statements, which run like typed ones. */
  remAsk(request: RemAskRequest): Promise<RemAskResult>;
  /** Send one message to an agent; its answer streams (the signal stops it, upstream model call included). */
  chat(request: ChatRequest, signal: AbortSignal): Promise<ChatStream>;
  status(): Promise<VaultStatus>;
  /** Moments by start time, filtered (the query as the contract parsed it). */
  listMoments(query: MomentListQuery): Promise<MomentList>;
  getMoment(id: string): Promise<MomentDto>;
  /** Create a moment, or update the one with the same name. */
  createMoment(input: MomentCreate): Promise<MomentDto>;
  deleteMoment(id: string): Promise<void>;
  /** Create a personal access token; the answer holds the token, shown this once. */
  createAccessToken(input: CreateAccessTokenBody): Promise<CreatedAccessToken>;
  listAccessTokens(): Promise<AccessTokenList>;
  /** Revoke a personal access token by id; the revoked token. */
  revokeAccessToken(id: string): Promise<AccessTokenDto>;
  /**
   * Make sure queued jobs run while the caller waits: in process this starts the worker pool and
   * returns its stop; a server runs its own workers, so remotely it is a no-op.
   */
  startWorkers(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
