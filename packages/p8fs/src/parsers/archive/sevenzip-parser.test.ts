import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProcessToolRunner } from '../../adapters/tools/process-tool-runner.js';
import { DEFAULT_PARSE_LIMITS, type ParseContext } from '../../ports/parser.js';
import { testParseContext } from '../../../test/parse-context.js';
import { render } from '../shared/corpus.fixture.js';
import { build7z } from './archive.fixture.js';
import { sevenZipParser } from './sevenzip-parser.js';

const parse = (bytes: Buffer, name = 'a.7z', ctx: ParseContext = testParseContext()) => sevenZipParser.parse({ bytes, name, mimeType: 'application/x-7z-compressed' }, ctx);
const paths = (doc: { children?: { path: string }[] }) => (doc.children ?? []).map((c) => c.path);
const limits = (l: Partial<ParseContext['limits']>, depth = 0): ParseContext => testParseContext({ depth, limits: { ...DEFAULT_PARSE_LIMITS, ...l } });

describe('sevenZipParser', () => {
  it('extracts regular members and refuses links and empty files', async () => {
    const bytes = build7z({
      'readme.txt': 'seven zip readme',
      'docs/guide.md': '# Guide\nsteps',
      'link-to-passwd': { link: '/etc/passwd' },
      'empty.txt': '',
    });
    const doc = await parse(bytes, 'bundle.7z');
    expect(doc.title).toBe('bundle.7z');
    expect(paths(doc).sort()).toEqual(['docs/guide.md', 'readme.txt']);
    expect(doc.children!.find((c) => c.path === 'readme.txt')!.bytes.toString()).toBe('seven zip readme');
    expect(Object.fromEntries(doc.rejected!.map((r) => [r.path, r.code]))).toEqual({ 'link-to-passwd': 'archive.link', 'empty.txt': 'file.empty' });
    expect(doc.metadata).toEqual({ members: 2, expanded_bytes: 16 + 13, rejected: 2 });
    expect(render(doc)).toContain('| docs/guide.md | 13 bytes |');
  });

  it('refuses an absolute member path and extracts the rest', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p8fs-7z-abs-'));
    try {
      writeFileSync(join(dir, 'abs.txt'), 'stored with its full path');
      writeFileSync(join(dir, 'rel.txt'), 'stored relative');
      // -spf keeps the absolute path in the archive.
      execFileSync('7z', ['a', '-spf', join(dir, 'out.7z'), join(dir, 'abs.txt')], { stdio: 'ignore' });
      execFileSync('7z', ['a', join(dir, 'out.7z'), 'rel.txt'], { cwd: dir, stdio: 'ignore' });
      const doc = await parse(readFileSync(join(dir, 'out.7z')));
      expect(paths(doc)).toEqual(['rel.txt']);
      expect(doc.rejected).toEqual([{ path: join(dir, 'abs.txt'), code: 'archive.unsafe_path', reason: 'absolute path' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an archive with an encrypted file list', async () => {
    const bytes = build7z({ 'secret.txt': 'hidden' }, ['-pSECRET', '-mhe=on']);
    await expect(parse(bytes)).rejects.toMatchObject({ code: 'parser.encrypted', message: expect.stringContaining('even its file list') });
  });

  it('refuses an archive whose every member is encrypted', async () => {
    const bytes = build7z({ 'secret.txt': 'hidden', 'other.txt': 'also hidden' }, ['-pSECRET']);
    await expect(parse(bytes)).rejects.toMatchObject({ code: 'parser.encrypted' });
  });

  it('refuses encrypted members and extracts the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'p8fs-7z-mixed-'));
    try {
      writeFileSync(join(dir, 'open.txt'), 'anyone may read this');
      writeFileSync(join(dir, 'secret.txt'), 'hidden');
      execFileSync('7z', ['a', 'out.7z', 'open.txt'], { cwd: dir, stdio: 'ignore' });
      execFileSync('7z', ['a', '-pSECRET', 'out.7z', 'secret.txt'], { cwd: dir, stdio: 'ignore' });
      const doc = await parse(readFileSync(join(dir, 'out.7z')));
      expect(paths(doc)).toEqual(['open.txt']);
      expect(doc.rejected).toEqual([{ path: 'secret.txt', code: 'parser.encrypted', reason: 'encrypted (password-protected)' }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops a bomb by its block ratio before extracting', async () => {
    const bytes = build7z({ 'zeros.bin': Buffer.alloc(50 * 1024 * 1024) });
    await expect(parse(bytes, 'bomb.7z', limits({ maxRatio: 50 }))).rejects.toMatchObject({
      code: 'parser.limit_exceeded',
      message: expect.stringContaining('looks like a zip bomb'),
    });
  });

  it('enforces the member size, total size and member count limits before extracting', async () => {
    const bytes = build7z({ 'a.txt': 'a'.repeat(600), 'b.txt': 'b'.repeat(600) });
    await expect(parse(bytes, 't.7z', limits({ maxExpandedBytes: 1000 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxExpandedBytes' } });
    await expect(parse(bytes, 't.7z', limits({ maxMemberBytes: 500 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxMemberBytes' } });
    await expect(parse(bytes, 't.7z', limits({ maxMembers: 1 }))).rejects.toMatchObject({ code: 'parser.limit_exceeded', details: { limit: 'maxMembers' } });
  });

  it('refuses a truncated archive as corrupt', async () => {
    const bytes = build7z({ 'a.txt': 'some text '.repeat(200) });
    await expect(parse(bytes.subarray(0, Math.floor(bytes.length / 2)))).rejects.toMatchObject({ code: 'parser.corrupt' });
  });

  it('refuses to open an archive nested too deep', async () => {
    await expect(parse(build7z({ 'a.txt': 'a' }), 'deep.7z', limits({ maxDepth: 3 }, 3))).rejects.toMatchObject({ code: 'parser.limit_exceeded' });
  });

  it('says which package to install when 7z is missing', async () => {
    const ctx = testParseContext({ tools: new ProcessToolRunner('/nonexistent') });
    await expect(parse(build7z({ 'a.txt': 'a' }), 'a.7z', ctx)).rejects.toMatchObject({ code: 'parser.tool_missing', message: expect.stringContaining('p7zip-full') });
  });
});
