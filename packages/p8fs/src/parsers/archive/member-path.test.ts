import { describe, expect, it } from 'vitest';
import { normaliseMemberPath } from './member-path.js';

describe('normaliseMemberPath', () => {
  it.each([
    ['a.txt', 'a.txt'],
    ['./a.txt', 'a.txt'],
    ['././dir//sub/./b.txt', 'dir/sub/b.txt'],
    ['dir\\file.txt', 'dir/file.txt'],
    ['trailing/slash/', 'trailing/slash'],
    ['..name/ok..', '..name/ok..'],
  ])('keeps %j as %j', (raw, path) => {
    expect(normaliseMemberPath(raw)).toEqual({ ok: true, path });
  });

  it.each([
    ['../evil', "path traversal ('..' segment)"],
    ['a/../../evil', "path traversal ('..' segment)"],
    ['a/..', "path traversal ('..' segment)"],
    ['..\\evil', "path traversal ('..' segment)"],
    ['/etc/passwd', 'absolute path'],
    ['//server/share/x', 'absolute path'],
    ['\\\\server\\share\\x', 'absolute path'],
    ['C:/x', 'absolute path with a drive letter'],
    ['c:x', 'absolute path with a drive letter'],
    ['C:\\x', 'absolute path with a drive letter'],
    ['nul\u0000byte', 'its name contains a control character'],
    ['tab\there', 'its name contains a control character'],
    ['c1\u009bcontrol', 'its name contains a control character'],
    ['./', 'empty path'],
  ])('refuses %j: %s', (raw, reason) => {
    expect(normaliseMemberPath(raw)).toEqual({ ok: false, code: 'archive.unsafe_path', reason });
  });
});
