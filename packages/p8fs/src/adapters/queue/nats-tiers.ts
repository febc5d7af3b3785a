import type { JobType } from '@p8fs/contracts';

/** Worker tiers by the size of the file a job reads: each has its own subject, consumer and limits. */
export const TIERS = ['small', 'medium', 'large'] as const;
export type Tier = (typeof TIERS)[number];

export const MB = 1024 * 1024;
/** Upper bounds (inclusive) of the small and medium tiers; anything larger is large. */
export const TIER_LIMITS = { small: 100 * MB, medium: 1024 * MB } as const;

/** The tier of a job: file.process by its file's size (unknown size: small), every other type small. */
export function tierFor(type: JobType, fileSize: number | null | undefined): Tier {
  if (type !== 'file.process' || fileSize == null) return 'small';
  if (fileSize <= TIER_LIMITS.small) return 'small';
  if (fileSize <= TIER_LIMITS.medium) return 'medium';
  return 'large';
}

/** Limits of one tier's workers (config keys tier<Small|Medium|Large><Concurrency|AckWaitSeconds|TimeoutSeconds>). */
export interface TierSettings {
  /** Jobs one worker process runs at once. */
  concurrency: number;
  /** JetStream ack_wait = the job's lease: without an ack or a working() heartbeat it is redelivered. */
  ackWaitSeconds: number;
  /** A job running longer fails (and retries with backoff while attempts remain). */
  timeoutSeconds: number;
}

export const STREAM = 'P8FS_JOBS';
export const SUBJECT_PREFIX = 'p8fs.jobs';
export const subjectOf = (tier: Tier) => `${SUBJECT_PREFIX}.${tier}`;
export const consumerOf = (tier: Tier) => `p8fs-jobs-${tier}`;
/** JetStream message id: one per dispatch of a job, so a publish repeated after a crash is dropped as a duplicate. */
export const msgIdOf = (jobId: string, dispatch: number) => `${jobId}.${dispatch}`;

/** What travels in a message: the job's identity and its tenant (the row stays the source of truth). */
export interface JobMessage {
  job_id: string;
  tenant_id: string;
  type: JobType;
  dispatch: number;
}
