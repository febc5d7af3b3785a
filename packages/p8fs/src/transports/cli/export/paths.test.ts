import { describe, expect, it } from 'vitest';
import { inside, PathAllocator, safeRelativePath } from './paths.js';

describe('export paths', () => {
  it('keeps folders and drops what could leave the export folder', () => {
    expect(safeRelativePath('notes/2024/trip.md', 'x')).toBe('notes/2024/trip.md');
    expect(safeRelativePath('../../etc/passwd', 'x')).toBe('etc/passwd');
    expect(safeRelativePath('/abs/./path/../f.txt', 'x')).toBe('abs/path/f.txt');
    expect(safeRelativePath('C:\\Users\\me\\a.txt', 'x')).toBe('C_/Users/me/a.txt');
    expect(safeRelativePath('bad\u0000na\u001bme\u007f.md', 'x')).toBe('badname.md');
    expect(safeRelativePath('.hidden/.git/config', 'x')).toBe('_hidden/_git/config');
    expect(safeRelativePath('../..', 'file-1')).toBe('file-1');
    expect(safeRelativePath('mail.eml!/attachments/x.pdf', 'x')).toBe('mail.eml!/attachments/x.pdf');
  });

  it('refuses a path outside the root', () => {
    expect(() => inside('/tmp/out', '../x')).toThrow(/escapes/);
    expect(() => inside('/tmp/out', '/etc/x')).toThrow(/escapes/);
    expect(inside('/tmp/out', 'a/b')).toBe('/tmp/out/a/b');
  });

  it('gives colliding paths (also by case) the id before the extension', () => {
    const a = new PathAllocator();
    expect(a.take('n/a.md', '11111111-x')).toBe('n/a.md');
    expect(a.take('n/A.md', '22222222-x')).toBe('n/A~22222222.md');
    expect(a.take('n/README', '33333333-x')).toBe('n/README');
    expect(a.take('n/readme', '44444444-x')).toBe('n/readme~44444444');
  });
});
