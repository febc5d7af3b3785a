import { JOB_PAYLOADS, type JobPayload, type JobType } from '@p8fs/contracts';
import { isAppError } from '../../domain/errors.js';
import type { ClaimedJob } from '../../ports/job-queue.js';
import type { Services } from '../../app.js';

/** How a job type runs, whether an error is worth a retry, and what a dead job leaves behind. */
export interface JobHandler {
  run(job: ClaimedJob, svc: Services): Promise<void>;
  retryable(err: unknown): boolean;
  onDead?(job: ClaimedJob, error: string, svc: Services): Promise<void>;
}

const payload = <T extends JobType>(job: ClaimedJob, type: T): JobPayload<T> =>
  JOB_PAYLOADS[type].parse(job.payload) as JobPayload<T>;
// Validation and "not found" errors are deterministic: retrying cannot help.
const transient = (err: unknown) => !isAppError(err) || err.code === 'internal' || err.code === 'embedder.unavailable';

/** The explicit registry of job handlers. */
export const JOB_HANDLERS: Record<JobType, JobHandler> = {
  'file.process': {
    async run(job, svc) {
      await svc.ingest.processFile(job.tenantId, payload(job, 'file.process').file_id);
    },
    retryable: transient,
    async onDead(job, error, svc) {
      const { file_id } = payload(job, 'file.process');
      await svc.ingest.failFile(job.tenantId, file_id, 'internal', `processing failed after ${job.attempts} attempts: ${error}`);
    },
  },
  'resources.embed': {
    async run(job, svc) {
      await svc.ingest.embedFile(job.tenantId, payload(job, 'resources.embed').file_id);
    },
    retryable: transient,
    async onDead(job, error, svc) {
      const { file_id } = payload(job, 'resources.embed');
      if (file_id) await svc.ingest.embedFailed(job.tenantId, file_id, `embedding failed after ${job.attempts} attempts: ${error}`);
    },
  },
  'embeddings.backfill': {
    async run(job, svc) {
      const { provider_id } = payload(job, 'embeddings.backfill');
      // A backfill queued for a provider that is no longer active has nothing to do.
      if (provider_id === svc.embeddings.providerId) await svc.embeddings.embedPending(job.tenantId, null);
    },
    retryable: transient,
  },
  'blobs.encrypt': {
    async run(job, svc) {
      await svc.blobEncryption.runJob(job.tenantId, payload(job, 'blobs.encrypt').idle_passes);
    },
    retryable: transient,
  },
};
