import { ERROR_CODES, ErrorBody } from '@p8fs/contracts';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.js';
import { errorHandler, httpStatus, notFoundHandler } from './errors.js';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

/** A bare Hono app whose one route throws `err`, behind the real error handlers. */
function throwing(err: unknown): Hono {
  const h = new Hono();
  h.get('/x', () => {
    throw err;
  });
  h.onError(errorHandler(quiet));
  h.notFound(notFoundHandler);
  return h;
}

describe('HTTP error mapping', () => {
  it('maps each error code to its status', () => {
    const expected: Record<string, number> = {
      bad_request: 400, validation_failed: 400, 'file.empty': 400, unauthorized: 401, forbidden: 403,
      not_found: 404, 'file.not_found': 404, 'resource.not_found': 404, conflict: 409,
      'file.too_large': 413, 'parser.unsupported_type': 415,
      // A file the vault cannot read is the file's fault (422), a limit it crosses is 413, a tool the
      // server lacks is 501, a transcription service that does not answer is 503.
      'parser.corrupt': 422, 'parser.encrypted': 422, 'parser.timeout': 422, 'parser.out_of_memory': 422,
      'parser.limit_exceeded': 413, 'parser.tool_missing': 501, 'transcriber.unavailable': 503,
      // Auth: a wrong code is 400, a spent registration 410, a locked one 423, a failed key proof 403.
      rate_limited: 429, 'auth.invalid_code': 400, 'auth.code_expired': 410, 'auth.locked': 423,
      'auth.bad_signature': 403, 'device.not_found': 404, 'approval.not_found': 404,
      // REM: the query is the caller's to fix; a statement past its time budget is 408.
      'rem.syntax': 400, 'rem.not_allowed': 400, 'rem.limit': 400, 'rem.sql_error': 400, 'rem.timeout': 408,
      // A search or graph walk past its budget, or whose caller went away.
      'query.timeout': 408, 'query.cancelled': 408,
      // A JSON body over its route's cap; a tenant with as many devices as it may have.
      'request.too_large': 413, 'device.limit': 409,
      // Chat: the model provider failed (a bad gateway), the run took too long, `model` names nothing known.
      'chat.model_error': 502, 'chat.timeout': 504, 'chat.unknown_model': 404,
      // End-to-end vaults: the server cannot do it (it holds ciphertext), or the vault has no relay; device-side states.
      'e2e.server_blind': 409, 'e2e.not_enabled': 409, 'e2e.no_keys': 409, 'e2e.recovery_failed': 400, 'e2e.fingerprint_mismatch': 409,
    };
    for (const code of ERROR_CODES) expect([code, httpStatus(code)]).toEqual([code, expected[code] ?? 500]);
  });

  it('answers an AppError with its status and an ErrorBody carrying the details', async () => {
    const res = await throwing(new AppError('conflict', 'already there', { id: 'a' })).request('/x');
    expect(res.status).toBe(409);
    expect(ErrorBody.parse(await res.json())).toEqual({ error: { code: 'conflict', message: 'already there', details: { id: 'a' } } });
  });

  it('turns a stray ZodError into 400 validation_failed listing each issue', async () => {
    const r = z.object({ a: z.string(), b: z.number() }).safeParse({});
    const res = await throwing(r.error).request('/x');
    expect(res.status).toBe(400);
    const body = ErrorBody.parse(await res.json());
    expect(body.error.code).toBe('validation_failed');
    expect((body.error.details as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['input.a', 'input.b']);
  });

  it("keeps the status of Hono's HTTPException, with a stable code", async () => {
    const res = await throwing(new HTTPException(401, { message: 'token expired' })).request('/x');
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: 'unauthorized', message: 'token expired' } });
  });

  it('hides anything unexpected behind a fixed 500', async () => {
    const err = new TypeError('cannot read x of undefined at /srv/p8fs/secret.ts:12');
    const res = await throwing(err).request('/x');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: 'internal', message: 'internal server error' } });
  });
});
