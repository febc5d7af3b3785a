import { z } from 'zod';

/** Stable error codes. Transports map each code once (HTTP status, MCP isError, CLI exit code). */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'request.too_large',
  'unauthorized',
  'forbidden',
  'not_found',
  'file.not_found',
  'file.too_large',
  'file.empty',
  'resource.not_found',
  'parser.unsupported_type',
  'parser.failed',
  'parser.corrupt',
  'parser.encrypted',
  'parser.limit_exceeded',
  'parser.timeout',
  'parser.out_of_memory',
  'parser.tool_missing',
  'transcriber.unavailable',
  'embedder.unavailable',
  'embedder.dimension_mismatch',
  'config.invalid',
  'conflict',
  'rate_limited',
  'auth.invalid_code',
  'auth.code_expired',
  'auth.locked',
  'auth.bad_signature',
  'device.not_found',
  'device.limit',
  'approval.not_found',
  'rem.syntax',
  'rem.not_allowed',
  'rem.limit',
  'rem.timeout',
  'rem.sql_error',
  'query.timeout',
  'query.cancelled',
  'blob.corrupt',
  'crypto.key_unavailable',
  // End-to-end vaults (decision 0018).
  'e2e.server_blind',
  'e2e.not_enabled',
  'e2e.no_keys',
  'e2e.recovery_failed',
  'e2e.fingerprint_mismatch',
  // Chat (decision 0019): the model provider failed, the run took too long, or `model` names nothing known.
  'chat.model_error',
  'chat.timeout',
  'chat.unknown_model',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const ErrorBody = z.object({
  error: z.object({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
