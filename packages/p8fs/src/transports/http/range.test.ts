import { describe, expect, it } from 'vitest';
import { parseRange, requestedRange } from './range.js';

describe('parseRange', () => {
  it('reads the three forms of one byte range', () => {
    expect(parseRange('bytes=0-499')).toEqual({ kind: 'from', start: 0, end: 499 });
    expect(parseRange('bytes=500-')).toEqual({ kind: 'from', start: 500 });
    expect(parseRange('bytes=-500')).toEqual({ kind: 'suffix', length: 500 });
    expect(parseRange('bytes=7-7')).toEqual({ kind: 'from', start: 7, end: 7 });
  });

  it('takes the unit in any case, spaces around the range and empty list elements', () => {
    expect(parseRange('Bytes=1-2')).toEqual({ kind: 'from', start: 1, end: 2 });
    expect(parseRange('bytes= 1-2 ')).toEqual({ kind: 'from', start: 1, end: 2 });
    expect(parseRange('bytes=1-2, ,')).toEqual({ kind: 'from', start: 1, end: 2 });
  });

  it('keeps a well-formed range the file may not satisfy (the route answers 416)', () => {
    expect(parseRange('bytes=-0')).toEqual({ kind: 'suffix', length: 0 });
    expect(parseRange('bytes=99999999999999999999-')).toEqual({ kind: 'from', start: Number.MAX_SAFE_INTEGER });
  });

  it('ignores what it does not serve: no header, malformed, another unit, several ranges', () => {
    for (const h of [
      undefined, '', 'bytes', 'bytes=', 'bytes=-', 'bytes=a-b', 'bytes=1-2-3', 'bytes=+1-2', 'bytes=1.5-2', 'bytes=0x10-',
      'bytes 0-1', 'items=0-1', 'bytes=5-4', 'bytes=0-1,3-4', 'bytes=0-1, -5', 'bytes=99999999999999999999-99999999999999999998',
    ]) expect(parseRange(h), String(h)).toBeNull();
  });
});

describe('requestedRange', () => {
  it('serves the whole file for any If-Range: the route has no validator it could match', () => {
    expect(requestedRange('bytes=0-1', undefined)).toEqual({ kind: 'from', start: 0, end: 1 });
    expect(requestedRange('bytes=0-1', '"abc"')).toBeNull();
    expect(requestedRange('bytes=0-1', 'Wed, 21 Oct 2015 07:28:00 GMT')).toBeNull();
    expect(requestedRange(undefined, '"abc"')).toBeNull();
  });
});
