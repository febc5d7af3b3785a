import { setTimeout as sleep } from 'node:timers/promises';

export interface RetryPolicy {
  /** Attempts after the first one. */
  retries: number;
  /** First backoff delay; doubles per attempt, with jitter. */
  baseDelayMs: number;
  /** Longest wait between attempts. A Retry-After beyond it ends the retries at once. */
  maxDelayMs: number;
  /** Limit on each attempt, headers and body together. */
  timeoutMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, baseDelayMs: 500, maxDelayMs: 30_000, timeoutMs: 60_000 };

/** A request that failed before any usable HTTP response: network error or timeout, after retries. */
export class RequestFailedError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'RequestFailedError';
  }
}

/** The answer of the last attempt: a 2xx, a status not worth retrying, or the final retryable one. */
export interface RetriedResponse {
  status: number;
  ok: boolean;
  body: string;
  attempts: number;
  retryAfterMs?: number;
}

/** Whether a status is transient (rate limit, server trouble) and so worth another attempt. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status !== 501);
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  return cap / 2 + Math.random() * (cap / 2);
}

async function attemptOnce(url: string, init: RequestInit, timeoutMs: number): Promise<Omit<RetriedResponse, 'attempts'>> {
  // The timeout covers reading the body too: a server that stalls mid-body is as dead as one that never answers.
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const body = await res.text();
  return { status: res.status, ok: res.ok, body, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) };
}

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err instanceof Error ? err.message : String(err)}${cause}`;
}

/**
 * fetch with retries: network errors, timeouts, 408, 429 and 5xx are retried with exponential
 * backoff, honouring Retry-After. Returns the last HTTP answer (the caller judges its status);
 * throws RequestFailedError when no attempt got an answer at all.
 */
export async function fetchWithRetry(url: string, init: RequestInit, policy: RetryPolicy): Promise<RetriedResponse> {
  for (let attempt = 0; ; attempt++) {
    const attempts = attempt + 1;
    let wait: number;
    try {
      const res = await attemptOnce(url, init, policy.timeoutMs);
      if (res.ok || !isRetryableStatus(res.status) || attempt >= policy.retries) return { ...res, attempts };
      wait = res.retryAfterMs ?? backoff(policy, attempt);
      // The server asked for a longer pause than we will block for: give up now and let the caller
      // (usually a job with its own retry schedule) come back later.
      if (wait > policy.maxDelayMs) return { ...res, attempts };
    } catch (err) {
      if (attempt >= policy.retries)
        throw new RequestFailedError(`${describe(err, policy.timeoutMs)} (after ${attempts} attempts)`, attempts, { cause: err });
      wait = backoff(policy, attempt);
    }
    await sleep(wait);
  }
}
