import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type ParseContext } from '../../ports/parser.js';
import { testParseContext } from '../../../test/parse-context.js';
import { CORPUS, render } from '../shared/corpus.fixture.js';
import { buildZip } from './archive.fixture.js';
import { zipParser } from './zip-parser.js';

const parse = (bytes: Buffer, name = 'a.zip', ctx = testParseContext()) => zipParser.parse({ bytes, name, mimeType: 'application/zip' }, ctx);
const paths = (doc: { children?: { path: string }[] }) => (doc.children ?? []).map((c) => c.path);
const limits = (l: Partial<ParseContext['limits']>, depth = 0): ParseContext => testParseContext({ depth, limits: { ...DEFAULT_PARSE_LIMITS, ...l } });

/** A zip made by the 7z program, for encryption (JSZip cannot encrypt). */
function sevenZipZip(files: Record<string, string>, steps: string[][]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-zip-fixture-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    for (const args of steps) execFileSync('7z', ['a', '-tzip', ...args], { cwd: dir, stdio: 'ignore' });
    return readFileSync(join(dir, 'out.zip'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('zipParser', () => {
  it('returns regular members as children and lists them as content', async () => {
    const inner = await buildZip([{ name: 'inner.txt', data: 'inside the inner archive' }]);
    const bytes = await buildZip([
      { name: 'notes/todo.md', data: '# Todo\nwater the plants' },
      { name: 'readme.txt', data: 'hello' },
      { name: 'nested/inner.zip', data: inner },
      { name: 'empty-dir', data: '', dir: true },
    ]);
    const doc = await parse(bytes, 'bundle.zip');
    expect(doc.title).toBe('bundle.zip');
    expect(paths(doc).sort()).toEqual(['nested/inner.zip', 'notes/todo.md', 'readme.txt']);
    expect(doc.children!.find((c) => c.path === 'readme.txt')!.bytes.toString()).toBe('hello');
    // A nested archive is a child like any other; the ingest pipeline recurses into it.
    expect(doc.children!.find((c) => c.path === 'nested/inner.zip')!.bytes.equals(inner)).toBe(true);
    expect(doc.rejected).toEqual([]);
    expect(doc.metadata).toEqual({ members: 3, expanded_bytes: 5 + 23 + inner.length, rejected: 0 });
    const text = render(doc);
    expect(text).toContain('# Contents of bundle.zip');
    expect(text).toMatch(/\| notes\/todo\.md \| 23 bytes \|/);
  });

  it('refuses unsafe names, links and empty files member by member, and keeps the rest', async () => {
    const bytes = await buildZip([
      { name: '../evil.txt', data: 'escape' },
      { name: '/etc/abs.txt', data: 'absolute' },
      { name: 'C:/windows/win.ini', data: 'drive' },
      { name: 'a\\..\\..\\back.txt', data: 'backslashes' },
      { name: 'bad\u0001name.txt', data: 'control' },
      { name: 'link-to-passwd', data: '/etc/passwd', unixPermissions: 0o120777 },
      { name: 'empty.txt', data: '' },
      { name: './docs//guide.txt', data: 'kept' },
    ]);
    const doc = await parse(bytes);
    expect(paths(doc)).toEqual(['docs/guide.txt']);
    const codes = Object.fromEntries((doc.rejected ?? []).map((r) => [r.path, r.code]));
    expect(codes).toEqual({
      '../evil.txt': 'archive.unsafe_path',
      '/etc/abs.txt': 'archive.unsafe_path',
      'C:/windows/win.ini': 'archive.unsafe_path',
      'a\\..\\..\\back.txt': 'archive.unsafe_path',
      // Not flagged UTF-8, so decoded as CP437, where byte 0x01 is a smiley: the raw byte still counts.
      'bad\u263aname.txt': 'archive.unsafe_path',
      'link-to-passwd': 'archive.link',
      'empty.txt': 'file.empty',
    });
    expect(doc.metadata).toMatchObject({ members: 1, rejected: 7 });
    const text = render(doc);
    expect(text).toContain('## Members not read');
    expect(text).toContain('| link-to-passwd | symbolic link |');
  });

  it('refuses an archive whose every member is encrypted', async () => {
    const bytes = sevenZipZip({ 'secret.txt': 'the password is swordfish' }, [['-pSECRET', 'out.zip', 'secret.txt']]);
    await expect(parse(bytes)).rejects.toMatchObject({ code: 'parser.encrypted' });
  });

  it('refuses encrypted members and reads the others', async () => {
    const bytes = sevenZipZip({ 'open.txt': 'anyone may read this', 'secret.txt': 'hidden' }, [
      ['out.zip', 'open.txt'],
      ['-pSECRET', 'out.zip', 'secret.txt'],
    ]);
    const doc = await parse(bytes);
    expect(paths(doc)).toEqual(['open.txt']);
    expect(doc.rejected).toEqual([{ path: 'secret.txt', code: 'parser.encrypted', reason: 'encrypted (password-protected)' }]);
  });

  it('stops a zip bomb by its expansion ratio while inflating', async () => {
    const bytes = await buildZip([{ name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }]);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    await expect(parse(bytes, 'bomb.zip', limits({ maxRatio: 50 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: expect.stringMatching(/zeros\.bin expands more than 50 times .*looks like a zip bomb/),
    });
  });

  it('counts inflated bytes rather than trusting the declared sizes', async () => {
    const bytes = await buildZip([{ name: 'big.txt', data: 'x'.repeat(4096) }]);
    // Make both size fields claim 10 bytes: the inflater must still be stopped.
    lieAboutSizes(bytes, 10);
    await expect(parse(bytes, 'liar.zip', limits({ maxMemberBytes: 100 }))).rejects.toMatchObject({
      code: expect.stringMatching(/^parser\.(corrupt|limit_exceeded)$/),
    });
  });

  it('enforces the member size, total size and member count limits', async () => {
    const two = await buildZip([
      { name: 'a.txt', data: 'a'.repeat(600) },
      { name: 'b.txt', data: 'b'.repeat(600) },
    ]);
    await expect(parse(two, 't.zip', limits({ maxExpandedBytes: 1000 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      details: { limit: 'maxExpandedBytes' },
    });
    await expect(parse(two, 't.zip', limits({ maxMemberBytes: 500 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      details: { limit: 'maxMemberBytes' },
    });
    await expect(parse(two, 't.zip', limits({ maxMembers: 1 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: 't.zip has more than 1 members',
    });
  });

  it('refuses to open an archive nested too deep', async () => {
    const bytes = await buildZip([{ name: 'a.txt', data: 'a' }]);
    await expect(parse(bytes, 'deep.zip', limits({ maxDepth: 4 }, 4))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: expect.stringContaining('nested too deep'),
    });
  });

  it('refuses a truncated or damaged zip as corrupt', async () => {
    const bytes = await buildZip([{ name: 'a.txt', data: 'some text '.repeat(100) }]);
    await expect(parse(bytes.subarray(0, bytes.length - 30))).rejects.toMatchObject({ code: 'parser.corrupt' });
    await expect(parse(Buffer.from('PK\x03\x04 not really a zip'))).rejects.toMatchObject({ code: 'parser.corrupt' });
  });

  it('reads the docs-corpus test_files.zip', async () => {
    const bytes = readFileSync(join(CORPUS, 'markitdown/sources/test_files.zip'));
    const doc = await parse(bytes, 'test_files.zip');
    expect(paths(doc)).toEqual(['test.docx', 'test.jpg', 'test.pptx', 'test.xlsx', 'test_blog.html', 'test_serp.html', 'test_wikipedia.html']);
    expect(doc.children!.find((c) => c.path === 'test.docx')!.bytes.length).toBe(17334);
    expect(doc.metadata).toEqual({ members: 7, expanded_bytes: 1481847, rejected: 0 });
    expect(render(doc)).toContain('test_wikipedia.html');
  });
});

/** Overwrite the uncompressed size in every local and central header of a one-member zip. */
function lieAboutSizes(zip: Buffer, size: number): void {
  for (let at = zip.indexOf('PK\x03\x04'); at >= 0; at = zip.indexOf('PK\x03\x04', at + 4)) zip.writeUInt32LE(size, at + 22);
  for (let at = zip.indexOf('PK\x01\x02'); at >= 0; at = zip.indexOf('PK\x01\x02', at + 4)) zip.writeUInt32LE(size, at + 24);
}
