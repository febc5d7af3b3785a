import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { create as tarCreate } from 'tar';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, type ParseContext } from '../../ports/parser.js';
import { testParseContext } from '../../../test/parse-context.js';
import { render } from '../shared/corpus.fixture.js';
import { buildTar, buildZip } from './archive.fixture.js';
import { gzipParser } from './gzip-parser.js';
import { tarParser } from './tar-parser.js';

const parseTar = (bytes: Buffer, name = 'a.tar', ctx: ParseContext = testParseContext()) => tarParser.parse({ bytes, name, mimeType: 'application/x-tar' }, ctx);
const parseGz = (bytes: Buffer, name = 'a.gz', ctx: ParseContext = testParseContext()) => gzipParser.parse({ bytes, name, mimeType: 'application/gzip' }, ctx);
const paths = (doc: { children?: { path: string }[] }) => (doc.children ?? []).map((c) => c.path);
const limits = (l: Partial<ParseContext['limits']>, depth = 0): ParseContext => testParseContext({ depth, limits: { ...DEFAULT_PARSE_LIMITS, ...l } });

/** A .tar.gz made by the tar package from a small tree on disk. */
function realTarGz(): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-tgz-fixture-'));
  try {
    mkdirSync(join(dir, 'src', 'docs'), { recursive: true });
    writeFileSync(join(dir, 'src', 'README.md'), '# Project\nread me first');
    writeFileSync(join(dir, 'src', 'docs', 'guide.txt'), 'the guide');
    tarCreate({ cwd: join(dir, 'src'), gzip: true, sync: true, file: join(dir, 'out.tgz') }, ['README.md', 'docs']);
    return readFileSync(join(dir, 'out.tgz'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('tarParser', () => {
  it('returns regular members, skips directories and normalises paths', async () => {
    const inner = await buildZip([{ name: 'x.txt', data: 'x' }]);
    const bytes = buildTar([
      { name: 'docs/', type: '5' },
      { name: './docs//a.txt', data: 'alpha' },
      { name: 'b.txt', data: 'bravo' },
      { name: 'archives/inner.zip', data: inner },
    ]);
    const doc = await parseTar(bytes, 'bundle.tar');
    expect(doc.title).toBe('bundle.tar');
    expect(paths(doc)).toEqual(['docs/a.txt', 'b.txt', 'archives/inner.zip']);
    expect(doc.children![0]!.bytes.toString()).toBe('alpha');
    expect(doc.children![0]!.metadata).toEqual({ modified: '2024-01-02T00:00:00.000Z' });
    expect(doc.children![2]!.bytes.equals(inner)).toBe(true);
    expect(doc.metadata).toEqual({ members: 3, expanded_bytes: 10 + inner.length, rejected: 0 });
    expect(render(doc)).toContain('| docs/a.txt | 5 bytes |');
  });

  it('refuses traversal, absolute paths, control characters, links and devices member by member', async () => {
    const bytes = buildTar([
      { name: '../evil.txt', data: 'escape' },
      { name: 'ok/../../evil2.txt', data: 'escape' },
      { name: '/etc/cron.d/job', data: 'absolute' },
      { name: 'C:\\Windows\\evil.dll', data: 'drive' },
      { name: '..\\..\\evil3.txt', data: 'backslashes' },
      { name: 'new\nline.txt', data: 'control' },
      { name: 'sym', type: '2', linkname: '/etc/passwd' },
      { name: 'hard', type: '1', linkname: 'b.txt' },
      { name: 'tty', type: '3' },
      { name: 'fifo', type: '6' },
      { name: 'empty.txt', data: '' },
      { name: 'b.txt', data: 'kept' },
    ]);
    const doc = await parseTar(bytes);
    expect(paths(doc)).toEqual(['b.txt']);
    expect(Object.fromEntries(doc.rejected!.map((r) => [r.path, r.code]))).toEqual({
      '../evil.txt': 'archive.unsafe_path',
      'ok/../../evil2.txt': 'archive.unsafe_path',
      '/etc/cron.d/job': 'archive.unsafe_path',
      'C:\\Windows\\evil.dll': 'archive.unsafe_path',
      '..\\..\\evil3.txt': 'archive.unsafe_path',
      'new\nline.txt': 'archive.unsafe_path',
      sym: 'archive.link',
      hard: 'archive.link',
      tty: 'archive.link',
      fifo: 'archive.link',
      'empty.txt': 'file.empty',
    });
    expect(doc.rejected!.find((r) => r.path === 'sym')!.reason).toBe('symbolic link to /etc/passwd');
    // The refused name stays on one line of the listing.
    expect(render(doc)).toContain('| new\\u000aline.txt | its name contains a control character |');
  });

  it('reads a gzip-compressed tar given as a tar', async () => {
    const doc = await parseTar(realTarGz(), 'project.tar');
    expect(paths(doc).sort()).toEqual(['README.md', 'docs/guide.txt']);
  });

  it('enforces member size, total size and member count limits on the bytes read', async () => {
    const bytes = buildTar([
      { name: 'a.txt', data: 'a'.repeat(600) },
      { name: 'b.txt', data: 'b'.repeat(600) },
    ]);
    await expect(parseTar(bytes, 't.tar', limits({ maxExpandedBytes: 1000 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxExpandedBytes' } });
    await expect(parseTar(bytes, 't.tar', limits({ maxMemberBytes: 500 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxMemberBytes' } });
    await expect(parseTar(bytes, 't.tar', limits({ maxMembers: 1 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxMembers' } });
  });

  it('refuses a truncated tar and garbage as corrupt', async () => {
    const bytes = buildTar([{ name: 'a.txt', data: 'a'.repeat(5000) }]);
    await expect(parseTar(bytes.subarray(0, 2048))).rejects.toMatchObject({ code: 'parser.corrupt' });
    await expect(parseTar(Buffer.alloc(4096, 0x41))).rejects.toMatchObject({ code: 'parser.corrupt' });
  });

  it('refuses a gzip stream inside the gzip, which would bypass the byte counting', async () => {
    await expect(parseTar(gzipSync(gzipSync(buildTar([{ name: 'a.txt', data: 'a' }]))))).rejects.toMatchObject({ code: 'parser.corrupt' });
  });

  it('refuses to open an archive nested too deep', async () => {
    await expect(parseTar(buildTar([{ name: 'a.txt', data: 'a' }]), 'deep.tar', limits({ maxDepth: 2 }, 2))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: expect.stringContaining('nested too deep'),
    });
  });
});

describe('gzipParser', () => {
  it('reads a .tar.gz as a tar archive', async () => {
    const doc = await parseGz(realTarGz(), 'project.tar.gz');
    expect(paths(doc).sort()).toEqual(['README.md', 'docs/guide.txt']);
    expect(doc.blocks[1]).toEqual({ kind: 'paragraph', text: 'gzip-compressed tar archive with 2 files, 32 bytes in all.' });
  });

  it('recognises a compressed tar by its header when the name does not say so', async () => {
    const doc = await parseGz(realTarGz(), 'backup.gz');
    expect(paths(doc).sort()).toEqual(['README.md', 'docs/guide.txt']);
  });

  it('returns a single compressed file as one child named without .gz', async () => {
    const doc = await parseGz(gzipSync('line one\nline two\n'), 'notes.txt.gz');
    expect(doc.children).toEqual([{ path: 'notes.txt', bytes: Buffer.from('line one\nline two\n') }]);
    expect(doc.metadata).toEqual({ members: 1, expanded_bytes: 18, rejected: 0 });
  });

  it('names the child from the gzip header when the file name has no .gz', async () => {
    const doc = await parseGz(withStoredName(gzipSync('payload'), 'original.csv'), 'download');
    expect(paths(doc)).toEqual(['original.csv']);
  });

  it('stops a gzip bomb by its expansion ratio while inflating', async () => {
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 });
    await expect(parseGz(bomb, 'zeros.bin.gz', limits({ maxRatio: 50 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: expect.stringContaining('looks like a zip bomb'),
    });
    const tarBomb = gzipSync(buildTar([{ name: 'zeros.bin', data: Buffer.alloc(50 * 1024 * 1024) }]), { level: 9 });
    await expect(parseGz(tarBomb, 'zeros.tar.gz', limits({ maxRatio: 50 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxRatio' } });
  });

  it('stops at the size limits however small the file claims to be', async () => {
    await expect(parseGz(gzipSync(Buffer.alloc(4096, 0x61)), 'a.txt.gz', limits({ maxMemberBytes: 1000 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      details: { limit: 'maxMemberBytes' },
    });
    const tgz = gzipSync(buildTar([{ name: 'a.txt', data: 'a'.repeat(3000) }]));
    await expect(parseGz(tgz, 'a.tgz', limits({ maxExpandedBytes: 2000 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded' });
  });

  it('refuses a truncated gzip as corrupt', async () => {
    const tgz = realTarGz();
    await expect(parseGz(tgz.subarray(0, tgz.length - 20), 'cut.tar.gz')).rejects.toMatchObject({ code: 'parser.corrupt' });
    const gz = gzipSync('x'.repeat(1000));
    await expect(parseGz(gz.subarray(0, gz.length - 10), 'cut.txt.gz')).rejects.toMatchObject({ code: 'parser.corrupt' });
  });

  it('refuses to open a file nested too deep', async () => {
    await expect(parseGz(gzipSync('x'), 'deep.gz', limits({ maxDepth: 1 }, 1))).rejects.toMatchObject({ code: 'parser.limit_exceeded' });
  });
});

/** Set FNAME in a gzip header (gzipSync writes none). */
function withStoredName(gz: Buffer, name: string): Buffer {
  const head = Buffer.from(gz.subarray(0, 10));
  head[3] = head[3]! | 0x08;
  return Buffer.concat([head, Buffer.from(`${name}\0`, 'latin1'), gz.subarray(10)]);
}
