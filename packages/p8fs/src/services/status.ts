import type { VaultStatus } from '@p8fs/contracts';
import type { Actor } from '../domain/actor.js';
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
    private readonly info: { version: string; dataDir: string | null },
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
      data_dir: this.info.dataDir,
      files: { pending: 0, processing: 0, indexed: 0, failed: 0, ...files },
      resources,
      embeddings,
      jobs: { ...jobs },
      embedder: { id: this.embeddings.providerId, dimension: this.embeddings.dimension, pending },
    };
  }

  /** True when the database answers. */
  async ready(): Promise<boolean> {
    await this.db.query('SELECT 1');
    return true;
  }
}
