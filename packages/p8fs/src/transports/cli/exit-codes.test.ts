import { ERROR_CODES } from '@p8fs/contracts';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../domain/errors.js';
import { CliExit, EXIT, exitCodeFor } from './exit-codes.js';

describe('exitCodeFor', () => {
  it('maps error codes by kind', () => {
    const code = (c: (typeof ERROR_CODES)[number]) => exitCodeFor(new AppError(c, 'x'));
    expect([code('validation_failed'), code('bad_request'), code('config.invalid')]).toEqual([2, 2, 2]);
    expect([code('not_found'), code('file.not_found'), code('resource.not_found')]).toEqual([3, 3, 3]);
    expect(code('conflict')).toBe(4);
    expect([code('parser.failed'), code('parser.unsupported_type'), code('file.empty'), code('file.too_large')]).toEqual([5, 5, 5, 5]);
    expect([code('internal'), code('embedder.unavailable')]).toEqual([1, 1]);
  });

  it('gives every error code an exit code other than success', () => {
    for (const c of ERROR_CODES) expect(exitCodeFor(new AppError(c, 'x'))).toBeGreaterThan(EXIT.ok);
  });

  it('passes a CliExit code through and treats anything else as an unexpected error', () => {
    expect(exitCodeFor(new CliExit(EXIT.ingestFailed))).toBe(5);
    expect(exitCodeFor(new TypeError('boom'))).toBe(1);
    expect(exitCodeFor('a string')).toBe(1);
  });
});
