import type { z } from 'zod';
import { AppError, errorMessage } from '../../domain/errors.js';
import { toAppError } from './vault/remote.js';

/**
 * One JSON request to a p8fs server's account API, its reply checked against the contract schema.
 * Failures become AppErrors with the server's code, like the vault commands' errors.
 */
export async function apiRequest<T>(
  server: string,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  schema: z.ZodType<T>,
  opts: { token?: string; json?: unknown } = {},
): Promise<T> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.json !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`${server}${path}`, { method, headers, ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : {}) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
    throw new AppError('internal', `cannot reach the p8fs server at ${server} (${cause})`);
  }
  if (!res.ok) throw await toAppError(res);
  const parsed = schema.safeParse(await res.json().catch(() => undefined));
  if (!parsed.success) throw new AppError('internal', `unexpected reply from ${method} ${path}`);
  return parsed.data;
}
