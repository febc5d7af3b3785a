import type { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import { validationError } from './errors.js';
import type { Ctx } from './route-spec.js';

/** Parse a value with a contract schema; failures become validation_failed (400) listing each issue. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw validationError(r.error, where);
  return r.data;
}

/** The request body as JSON; a body that does not parse is the client's mistake (400), not ours. */
export async function readJson(c: Ctx): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    throw new AppError('bad_request', 'request body is not valid JSON');
  }
}
