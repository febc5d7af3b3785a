#!/usr/bin/env node
// Stamps the commit this build came from into packages/p8fs/build-info.json (gitignored, shipped in the
// packed package), so `p8fs --version` can name it where there is no git: an installed tarball, an image.
// The commit comes from GIT_COMMIT (CI, `docker build --build-arg GIT_COMMIT=...`), else from git, else
// "unknown". The file is rewritten only when its content changes. Run by `npm run build` (decision 0023).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

// BUILD_INFO_OUT: another file (the script's test); by default the file version.ts reads.
const target = process.env.BUILD_INFO_OUT || new URL('../packages/p8fs/build-info.json', import.meta.url);

function commit() {
  const fromEnv = process.env.GIT_COMMIT?.trim();
  if (fromEnv && /^[0-9a-f]{7,40}$/i.test(fromEnv)) return fromEnv.slice(0, 7).toLowerCase();
  try {
    const out = execFileSync('git', ['rev-parse', '--short=7', 'HEAD'], {
      cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    if (!/^[0-9a-f]{7,40}$/.test(out)) return 'unknown';
    // Uncommitted changes in the build: say so rather than claim the commit's exact code.
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: new URL('..', import.meta.url), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${out}-dirty` : out;
  } catch {
    return 'unknown'; // no git, or not a git checkout
  }
}

const text = `${JSON.stringify({ commit: commit() })}\n`;
let old = '';
try { old = readFileSync(target, 'utf8'); } catch { /* first build */ }
if (old !== text) writeFileSync(target, text);
