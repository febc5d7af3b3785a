import { describe, expect, it } from 'vitest';
import { DEFAULT_CONTEXT, neighbourContext, neighbourContexts } from './search-text.js';

describe('neighbourContext', () => {
  const turns = ['t0', 't1', 't2', 't3', 't4', 't5', 't6'];

  it('takes up to `window` items on each side, nearest first, never the item itself', () => {
    expect(neighbourContext(turns, 3, { window: 2, maxCharsPerSide: 1000 }).split('\n')).toEqual(['t2', 't1', 't4', 't5']);
    expect(neighbourContext(turns, 0, { window: 2, maxCharsPerSide: 1000 }).split('\n')).toEqual(['t1', 't2']);
    expect(neighbourContext(turns, 3, { window: 0, maxCharsPerSide: 1000 })).toBe('');
  });

  it('stops at the character budget and cuts the item on the side that touches i', () => {
    const long = [`${'a'.repeat(50)}END`, 'middle', `START${'b'.repeat(50)}`];
    const ctx = neighbourContext(long, 1, { window: 4, maxCharsPerSide: 10 }).split('\n');
    expect(ctx).toEqual(['aaaaaaaEND', 'STARTbbbbb']);
  });

  it('lets a short item borrow several short neighbours but a long chunk only about one', () => {
    const short = Array.from({ length: 9 }, (_, i) => `turn ${i} is short`);
    expect(neighbourContext(short, 4).split('\n').length).toBe(2 * DEFAULT_CONTEXT.window);
    const chunks = Array.from({ length: 5 }, (_, i) => `${i}`.repeat(1000));
    const ctx = neighbourContext(chunks, 2);
    expect(ctx.length).toBeLessThanOrEqual(2 * DEFAULT_CONTEXT.maxCharsPerSide + 1);
    expect(ctx).not.toContain('0');
  });

  it('computes every item of a sequence the same way', () => {
    expect(neighbourContexts(turns)).toEqual(turns.map((_, i) => neighbourContext(turns, i)));
  });
});
