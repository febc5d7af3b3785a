import { AppError } from './errors.js';

// The two ways a bounded read (Db.readOnly, a QueryBudget) ends early, the same on every adapter.

/** The error of a read that ran past its budget. */
export function timedOut(ms: number): AppError {
  return new AppError('query.timeout', `the query ran past its ${ms} ms budget and was stopped`, { timeout_ms: ms });
}

/** The error of a read whose caller went away. */
export function cancelled(): AppError {
  return new AppError('query.cancelled', 'the query was cancelled: its caller went away');
}

/** A budget in whole milliseconds, at least 1. */
export const budgetMs = (timeoutMs: number): number => Math.max(1, Math.floor(timeoutMs));
