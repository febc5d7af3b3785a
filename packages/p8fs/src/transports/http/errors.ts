import type { ErrorBody, ErrorCode } from '@p8fs/contracts';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';

// A Record over every code, so adding a code to the contracts fails the build until it is mapped here.
const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  bad_request: 400,
  validation_failed: 400,
  // A JSON body over its route's cap, refused before it is read.
  'request.too_large': 413,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  'file.not_found': 404,
  'resource.not_found': 404,
  conflict: 409,
  // Too many starts for one e-mail, or requests to an auth endpoint.
  rate_limited: 429,
  'auth.invalid_code': 400,
  // The registration ran out: start again.
  'auth.code_expired': 410,
  // Too many wrong codes: this registration is dead, start again.
  'auth.locked': 423,
  // The caller did not prove it holds the key.
  'auth.bad_signature': 403,
  'device.not_found': 404,
  // The tenant has as many active devices as it may: revoke one first.
  'device.limit': 409,
  'approval.not_found': 404,
  // REM: the query is the client's to fix (syntax, a forbidden construct, a bound, the SQL itself).
  'rem.syntax': 400,
  'rem.not_allowed': 400,
  'rem.limit': 400,
  'rem.sql_error': 400,
  // The statement ran past its time budget: the request took too long, not the server failing.
  'rem.timeout': 408,
  // A search or graph walk ran past its budget; one whose caller went away is answered to nobody.
  'query.timeout': 408,
  'query.cancelled': 408,
  'file.too_large': 413,
  'file.empty': 400,
  'parser.unsupported_type': 415,
  'parser.failed': 500,
  'parser.corrupt': 422,
  'parser.encrypted': 422,
  'parser.limit_exceeded': 413,
  'parser.timeout': 422,
  'parser.out_of_memory': 422,
  'parser.tool_missing': 501,
  'transcriber.unavailable': 503,
  'embedder.unavailable': 500,
  'embedder.dimension_mismatch': 500,
  'config.invalid': 500,
  // A stored blob failed authentication (tampered, truncated, swapped): the server's fault, never the caller's.
  'blob.corrupt': 500,
  // The master key or a data key cannot be had: the server is misconfigured.
  'crypto.key_unavailable': 500,
  // End-to-end vaults (decision 0018): the server holds only ciphertext, so it cannot do what was asked
  // (search, read, write a vault it cannot read), or the vault is not end-to-end and has no relay.
  'e2e.server_blind': 409,
  'e2e.not_enabled': 409,
  // Device-side conditions; a server never answers with them.
  'e2e.no_keys': 409,
  'e2e.recovery_failed': 400,
  'e2e.fingerprint_mismatch': 409,
  // Chat (decision 0019): the model provider failed after its retries (a gateway's error), the run
  // passed P8FS_CHAT_TIMEOUT_SECONDS, or `model` names no agent and no configured provider:model.
  'chat.model_error': 502,
  'chat.timeout': 504,
  'chat.unknown_model': 404,
  internal: 500,
};

/** The HTTP status for an error code. */
export function httpStatus(code: ErrorCode): ContentfulStatusCode {
  return STATUS[code];
}

/** The JSON error body every failing route answers with. */
export function errorBody(code: ErrorCode, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Zod issues as a validation_failed error listing each one (`where: message`). */
export function validationError(error: z.ZodError, where: string): AppError {
  const issues = error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
  return new AppError('validation_failed', issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues });
}

// Hono's own middleware (body limits, bearer auth) throws HTTPException with a status only.
const CODE_OF_STATUS: Record<number, ErrorCode> = { 400: 'bad_request', 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 413: 'file.too_large' };

/** An AppError for anything thrown that we can classify, or null for the unexpected. */
function classify(err: Error): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof z.ZodError) return validationError(err, 'input');
  const code = err instanceof HTTPException ? CODE_OF_STATUS[err.status] : undefined;
  return code ? new AppError(code, err.message || code) : null;
}

/** The one onError handler: AppError codes map to statuses; anything else is a 500 without internals. */
export function errorHandler(log: Logger) {
  return (err: Error, c: Context): Response => {
    const known = classify(err);
    if (known) {
      const status = httpStatus(known.code);
      if (status >= 500) log.error({ code: known.code, err: known.message, path: c.req.path }, 'request failed');
      // A 401 carries its RFC 6750 / RFC 9728 challenge as a header, not in the body.
      const challenge = (known.details as { challenge?: unknown } | undefined)?.challenge;
      if (typeof challenge === 'string') return c.json(errorBody(known.code, known.message), status, { 'WWW-Authenticate': challenge });
      const scope = (known.details as { required_scope?: unknown } | undefined)?.required_scope;
      if (known.code === 'forbidden' && typeof scope === 'string') {
        return c.json(errorBody(known.code, known.message, known.details), status, { 'WWW-Authenticate': insufficientScope(scope) });
      }
      // A refusal that says when to come back (a tenant over its query slots or database time).
      const retry = (known.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
      if (known.code === 'rate_limited' && typeof retry === 'number') {
        return c.json(errorBody(known.code, known.message, known.details), status, { 'Retry-After': String(retry) });
      }
      return c.json(errorBody(known.code, known.message, known.details), status);
    }
    // The stack goes to the log only: clients see a fixed message, never our internals.
    log.error({ err: errorMessage(err), stack: err.stack, method: c.req.method, path: c.req.path }, 'unhandled error');
    return c.json(errorBody('internal', 'internal server error'), 500);
  };
}

/**
 * RFC 6750 §3.1: a token that lacks a scope. `account` is no OAuth scope anyone can request (it needs
 * a first-party sign-in), so it is named only in the description.
 */
function insufficientScope(need: string): string {
  // `sync` (the E2E relay) is no OAuth scope either: it needs a first-party sign-in of an E2E vault.
  const scope = need === 'account' || need === 'sync' ? '' : `, scope="${need}"`;
  return `Bearer error="insufficient_scope"${scope}, error_description="requires ${need}"`;
}

/** 404 for paths no route answers. */
export function notFoundHandler(c: Context): Response {
  return c.json(errorBody('not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
}
