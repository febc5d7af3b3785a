// Release identity (decision 0023): CalVer versions kept in step across the workspace, and the commit stamped
// at build time by scripts/build-info.mjs so that `p8fs --version` names it where there is no git.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './transports/cli/io.js';
import { COMMIT, VERSION, VERSION_LINE } from './version.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SCRIPT = join(ROOT, 'scripts/build-info.mjs');
const pkg = (path: string): { version?: string } => JSON.parse(readFileSync(join(ROOT, path), 'utf8'));
/** YYYY.M.PATCH: the year, the month without a leading zero, a patch counter from 0. */
const CALVER = /^20\d{2}\.(?:[1-9]|1[0-2])\.(?:0|[1-9]\d*)$/;

describe('version', () => {
  it('is CalVer and the same in the workspace root and both packages', () => {
    expect(VERSION).toMatch(CALVER);
    for (const p of ['package.json', 'packages/contracts/package.json', 'packages/p8fs/package.json']) {
      expect(pkg(p).version, p).toBe(VERSION);
    }
  });

  it('prints the version and the commit', () => {
    expect(COMMIT).toMatch(/^(?:[0-9a-f]{7}(?:-dirty)?|unknown)$/);
    expect(VERSION_LINE).toBe(`${VERSION} (${COMMIT})`);
  });
});

describe('scripts/build-info.mjs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'p8fs-build-info-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const stamp = (env: Record<string, string>): string => {
    const out = join(dir, `${Object.keys(env).join('-') || 'none'}.json`);
    const r = spawnSync(process.execPath, [SCRIPT], { env: { ...env, BUILD_INFO_OUT: out }, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(readFileSync(out, 'utf8')).commit;
  };

  it('takes GIT_COMMIT first (images and CI build without .git)', () => {
    expect(stamp({ GIT_COMMIT: '0123456789ABCDEF0123456789abcdef01234567', PATH: '' })).toBe('0123456');
  });

  it('writes "unknown" where there is no git and no GIT_COMMIT', () => {
    expect(stamp({ PATH: '' })).toBe('unknown');
    expect(stamp({ GIT_COMMIT: 'not a commit', PATH: '' })).toBe('unknown');
  });

  // A capability check, not a gap: an unpacked tarball has no git history to ask (the case above covers it).
  const git = spawnSync('git', ['rev-parse', '--short=7', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  it.skipIf(git.status !== 0)('asks git otherwise', () => {
    expect(stamp({ PATH: process.env.PATH ?? '' })).toMatch(new RegExp(`^${git.stdout.trim()}(-dirty)?$`));
  });
});

describe('p8fs --version', () => {
  const captured = () => {
    let out = '';
    const io: CliIo = { env: {}, out: (s) => { out += s; }, err: () => {}, stderr: process.stderr };
    return { io, out: () => out };
  };

  it('prints `VERSION (COMMIT)`, or {version, commit} with --json', async () => {
    const { run } = await import('./transports/cli/main.js');
    const plain = captured();
    expect(await run(['node', 'p8fs', '--version'], plain.io)).toBe(0);
    expect(plain.out()).toBe(`${VERSION_LINE}\n`);
    for (const args of [['--version', '--json'], ['--json', '-V']]) {
      const json = captured();
      expect(await run(['node', 'p8fs', ...args], json.io)).toBe(0);
      expect(JSON.parse(json.out())).toEqual({ version: VERSION, commit: COMMIT });
    }
  });
});
