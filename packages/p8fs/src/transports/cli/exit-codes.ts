import type { ErrorCode } from '@p8fs/contracts';
import { isAppError } from '../../domain/errors.js';

/** The exit codes of `p8fs`, documented in `p8fs --help`. */
export const EXIT = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  ingestFailed: 5,
} as const;

// A Record over every code: adding an error code without deciding its exit code fails the build.
const BY_CODE: Record<ErrorCode, number> = {
  bad_request: EXIT.usage,
  validation_failed: EXIT.usage,
  'request.too_large': EXIT.usage,
  'config.invalid': EXIT.usage,
  unauthorized: EXIT.error,
  forbidden: EXIT.error,
  not_found: EXIT.notFound,
  'file.not_found': EXIT.notFound,
  'resource.not_found': EXIT.notFound,
  conflict: EXIT.conflict,
  rate_limited: EXIT.error,
  'auth.invalid_code': EXIT.error,
  'auth.code_expired': EXIT.error,
  'auth.locked': EXIT.error,
  'auth.bad_signature': EXIT.error,
  'device.not_found': EXIT.notFound,
  'device.limit': EXIT.conflict,
  'approval.not_found': EXIT.notFound,
  'rem.syntax': EXIT.usage,
  'rem.not_allowed': EXIT.usage,
  'rem.limit': EXIT.usage,
  'rem.sql_error': EXIT.usage,
  'rem.timeout': EXIT.error,
  'query.timeout': EXIT.error,
  'query.cancelled': EXIT.error,
  'file.too_large': EXIT.ingestFailed,
  'file.empty': EXIT.ingestFailed,
  'parser.unsupported_type': EXIT.ingestFailed,
  'parser.failed': EXIT.ingestFailed,
  'parser.corrupt': EXIT.ingestFailed,
  'parser.encrypted': EXIT.ingestFailed,
  'parser.limit_exceeded': EXIT.ingestFailed,
  'parser.timeout': EXIT.ingestFailed,
  'parser.out_of_memory': EXIT.ingestFailed,
  'parser.tool_missing': EXIT.ingestFailed,
  'transcriber.unavailable': EXIT.ingestFailed,
  'embedder.unavailable': EXIT.error,
  'embedder.dimension_mismatch': EXIT.error,
  'blob.corrupt': EXIT.error,
  'crypto.key_unavailable': EXIT.error,
  'e2e.server_blind': EXIT.conflict,
  'e2e.not_enabled': EXIT.conflict,
  'e2e.no_keys': EXIT.conflict,
  'e2e.recovery_failed': EXIT.error,
  'e2e.fingerprint_mismatch': EXIT.error,
  'chat.model_error': EXIT.error,
  'chat.timeout': EXIT.error,
  'chat.unknown_model': EXIT.notFound,
  internal: EXIT.error,
};

/**
 * Ends a command with a given exit code after it has already told the user why (for example an
 * ingest that finished with failed files): main prints nothing more.
 */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = 'CliExit';
  }
}

/** The one mapping from a thrown value to the process exit code. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CliExit) return err.exitCode;
  if (isAppError(err)) return BY_CODE[err.code];
  return EXIT.error;
}
