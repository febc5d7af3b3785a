import type { JobPayload, JobTrace, JobType } from '@p8fs/contracts';
import type { SqlRunner } from './db.js';

export interface EnqueueOptions {
  /** While a queued job with this key exists for the tenant, enqueueing again is a no-op. */
  dedupeKey?: string;
  priority?: number;
  delayMs?: number;
  maxAttempts?: number;
  /** Enqueue inside the caller's transaction (db queue), so the job exists iff the write commits. */
  tx?: SqlRunner;
  /** The enqueuer's trace context, stored with the job (set by the tracing decorator, decision 0024). */
  trace?: JobTrace;
}

export interface ClaimedJob<T extends JobType = JobType> {
  id: string;
  tenantId: string;
  type: T;
  payload: JobPayload<T>;
  attempts: number;
  maxAttempts: number;
  /** The trace context the job was enqueued in, for the worker to continue (absent: untraced). */
  trace?: JobTrace;
}

export interface JobCounts {
  queued: number;
  running: number;
  done: number;
  dead: number;
}

/** Durable job queue port: at-least-once delivery, so every handler must be idempotent. */
export interface JobQueue {
  enqueue<T extends JobType>(tenantId: string, type: T, payload: JobPayload<T>, opts?: EnqueueOptions): Promise<string | null>;
  /** Claim the next runnable job (or one whose lease ran out: its worker died). */
  claim(workerId: string, leaseSeconds: number, types?: readonly JobType[]): Promise<ClaimedJob | null>;
  /** Extend the lease of a long job. */
  heartbeat(jobId: string, workerId: string, leaseSeconds: number): Promise<void>;
  complete(jobId: string, workerId: string): Promise<void>;
  /** Record a failure: retried later with backoff, or dead when attempts are spent or retry is false. */
  fail(jobId: string, workerId: string, error: string, opts: { retry: boolean }): Promise<'retry' | 'dead'>;
  counts(tenantId?: string): Promise<JobCounts>;
  /** Remove finished jobs past their retention; returns how many were removed. */
  prune(): Promise<number>;
  /** Wake sleeping workers (a job was just enqueued in this process). */
  onEnqueue(listener: () => void): () => void;
}
