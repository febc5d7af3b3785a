import { describe, expect, it } from 'vitest';
import { MB, msgIdOf, subjectOf, tierFor } from './nats-tiers.js';

describe('tierFor (the router’s tiering)', () => {
  it.each([
    [0, 'small'], [1, 'small'], [100 * MB - 1, 'small'], [100 * MB, 'small'], [100 * MB + 1, 'medium'],
    [1024 * MB - 1, 'medium'], [1024 * MB, 'medium'], [1024 * MB + 1, 'large'], [50 * 1024 * MB, 'large'],
  ] as const)('a file of %d bytes goes to %s', (size, tier) => {
    expect(tierFor('file.process', size)).toBe(tier);
  });

  it('sends every other job type, and a file of unknown size, to small', () => {
    expect(tierFor('resources.embed', 5000 * MB)).toBe('small');
    expect(tierFor('embeddings.backfill', null)).toBe('small');
    expect(tierFor('file.process', null)).toBe('small');
  });

  it('names one subject per tier and one message id per dispatch', () => {
    expect(subjectOf('large')).toBe('p8fs.jobs.large');
    expect(msgIdOf('j', 1)).not.toBe(msgIdOf('j', 2));
  });
});
