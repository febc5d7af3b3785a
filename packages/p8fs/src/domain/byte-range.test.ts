import { describe, expect, it } from 'vitest';
import { resolveRange } from './byte-range.js';

describe('resolveRange', () => {
  it('keeps a range inside the file and cuts an end past it', () => {
    expect(resolveRange({ kind: 'from', start: 0, end: 0 }, 10)).toEqual({ start: 0, end: 0 });
    expect(resolveRange({ kind: 'from', start: 2, end: 5 }, 10)).toEqual({ start: 2, end: 5 });
    expect(resolveRange({ kind: 'from', start: 2, end: 99 }, 10)).toEqual({ start: 2, end: 9 });
    expect(resolveRange({ kind: 'from', start: 9 }, 10)).toEqual({ start: 9, end: 9 });
  });

  it('takes the last n bytes for a suffix, the whole file when n is longer', () => {
    expect(resolveRange({ kind: 'suffix', length: 3 }, 10)).toEqual({ start: 7, end: 9 });
    expect(resolveRange({ kind: 'suffix', length: 50 }, 10)).toEqual({ start: 0, end: 9 });
  });

  it('selects nothing past the end, for a zero suffix, or of an empty file', () => {
    expect(resolveRange({ kind: 'from', start: 10 }, 10)).toBeNull();
    expect(resolveRange({ kind: 'from', start: 10, end: 20 }, 10)).toBeNull();
    expect(resolveRange({ kind: 'suffix', length: 0 }, 10)).toBeNull();
    expect(resolveRange({ kind: 'from', start: 0 }, 0)).toBeNull();
    expect(resolveRange({ kind: 'suffix', length: 5 }, 0)).toBeNull();
  });
});
