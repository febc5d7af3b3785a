import type { VaultStatus } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
import { deviceId } from '../domain/ids.js';
import type { Db } from '../ports/db.js';
import type { JobQueue } from '../ports/job-queue.js';
import type { EmbeddingService } from './embeddings.js';
import { countEmbeddings } from './sql/embeddings.js';
import { fileStatusCounts } from './sql/files.js';
import { countResources } from './sql/resources.js';
import { requirePermission } from '../domain/scopes.js';

/** Counts that tell a person whether their vault is healthy and busy. */
export class StatusService {
  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly embeddings: EmbeddingService,
    /** ownerTenantId: the tenant of the local owner, whose own device may see dataDir */
    private readonly info: { version: string; dataDir: string | null; ownerTenantId: string },
  ) {}

  /** The actor's vault: files by status, resources, vectors, jobs and the embedder backlog. */
  async status(actor: Actor): Promise<VaultStatus> {
    requirePermission(actor, 'vault:read');
    const [files, resources, embeddings, jobs, pending] = await Promise.all([
      fileStatusCounts(this.db, actor.tenantId),
      countResources(this.db, actor.tenantId),
      countEmbeddings(this.db, actor.tenantId, this.embeddings.providerId),
      this.queue.counts(actor.tenantId),
      this.embeddings.pendingCount(actor.tenantId),
    ]);
    return {
      version: this.info.version,
      tenant_id: actor.tenantId,
      data_dir: this.isLocalOwner(actor) ? this.info.dataDir : null,
      files: { pending: 0, processing: 0, indexed: 0, failed: 0, ...files },
      resources,
      embeddings,
      jobs: { ...jobs },
      embedder: { id: this.embeddings.providerId, dimension: this.embeddings.dimension, pending },
    };
  }

  /**
   * The server's own file system path is the local owner's business: the CLI in process ('*') or
   * the owner's device on this machine (the local-token sign-in). Other tenants, other devices and
   * tokens held by assistants see null: a path tells a stranger the user name and the host's layout.
   */
  private isLocalOwner(actor: Actor): boolean {
    if (actor.tenantId !== this.info.ownerTenantId) return false;
    return actor.scopes.includes('*') || (actor.firstParty && actor.deviceId === deviceId(actor.tenantId, 'owner-local'));
  }

  /** True when the database answers. */
  async ready(): Promise<boolean> {
    await this.db.query('SELECT 1');
    return true;
  }
}

