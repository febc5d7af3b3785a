import type {
  RemQueryRequest, RemResult,
  FileDto, FileList, ListFilesQuery, MomentCreate, MomentDto, MomentList, MomentListQuery, ReprocessRequest, ReprocessResult, ResourceDto,
  SearchRequest, SearchResponse, UploadResult, VaultStatus,
} from '@p8fs/contracts';

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
  /** Queue files to be processed again (by id, stale parser version, or failed). */
  reprocessFiles(request: ReprocessRequest): Promise<ReprocessResult>;
  search(request: SearchRequest): Promise<SearchResponse>;
  /** Run one REM query (LOOKUP, FUZZY, SEARCH, SELECT, TRAVERSE). */
  rem(request: RemQueryRequest): Promise<RemResult>;
  status(): Promise<VaultStatus>;
  /** Moments by start time, filtered (the query as the contract parsed it). */
  listMoments(query: MomentListQuery): Promise<MomentList>;
  getMoment(id: string): Promise<MomentDto>;
  /** Create a moment, or update the one with the same name. */
  createMoment(input: MomentCreate): Promise<MomentDto>;
  deleteMoment(id: string): Promise<void>;
  /**
   * Make sure queued jobs run while the caller waits: in process this starts the worker pool and
   * returns its stop; a server runs its own workers, so remotely it is a no-op.
   */
  startWorkers(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}
