import type { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { DeriveContext } from './index.js';

/**
 * The parsed value of a structured document (engram, agent) checked against its contract. A bad one
 * fails the file with parser.failed naming each field and why, e.g. `moments.0.ends_at: ends_at is
 * before starts_at`; thrown inside the file's transaction, so nothing of it is written.
 */
export function structuredDocument<S extends z.ZodType>(schema: S, ctx: DeriveContext, kind: string): z.output<S> {
  const r = schema.safeParse(ctx.doc.structured);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(document)'}: ${i.message}`);
  throw new AppError('parser.failed', `${ctx.file.name} is not a valid ${kind}: ${issues.join('; ')}`, { issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })) });
}
