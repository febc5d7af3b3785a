import type { Command } from 'commander';
import type { z } from 'zod';
import { AppError } from '../../domain/errors.js';
import type { CliIo } from './io.js';

/** A command module: builds its commander Command around the process io. */
export type CommandFactory = (io: CliIo) => Command;

/** Parse command input with a contract schema; problems become validation_failed (exit 2). */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message));
  throw new AppError('validation_failed', `invalid ${what}: ${problems.join('; ')}`);
}

/** commander option parser for counts: keeps the raw text when it is not a number, so the schema reports it. */
export function numberArg(value: string): number | string {
  const n = Number(value);
  return value.trim() !== '' && Number.isFinite(n) ? n : value;
}
