import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Config, ConfigSchema, type ConfigInput } from '../config/schema.js';
import type { Logger } from '../ports/logger.js';
import type { App } from '../app.js';

/** The repository root (benchmarks read ../shared/... and write bench/results/ relative to it). */
export const REPO_ROOT = resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
export const RESULTS_DIR = join(REPO_ROOT, 'bench', 'results');
/** Scratch space for caches; gitignored. */
export const TMP_DIR = join(RESULTS_DIR, 'tmp');

/** A logger that drops everything: benchmark output is the results, not the service logs. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/** A config for a benchmark app: defaults (use-lite, PGlite) plus overrides. */
export function benchConfig(dataDir: string, overrides: Partial<ConfigInput> = {}): Config {
  return ConfigSchema.parse({ dataDir, logLevel: 'silent', ...overrides });
}

export interface MachineInfo {
  date: string;
  node: string;
  platform: string;
  cpus: number;
  cpu_model: string;
  total_mem_gb: number;
  git_sha: string | null;
  git_dirty: boolean | null;
}

/** Where and on what the numbers were measured. */
export function machineInfo(): MachineInfo {
  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const status = git('status', '--porcelain');
  return {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? 'unknown',
    total_mem_gb: Math.round(totalmem() / 2 ** 30),
    git_sha: git('rev-parse', 'HEAD'),
    git_dirty: status === null ? null : status.length > 0,
  };
}

/** Write bench/results/<yyyy-mm-dd>-<name>.json and return its path. */
export function writeResult(name: string, body: unknown): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${new Date().toISOString().slice(0, 10)}-${name}.json`);
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}

/** Percentile (nearest rank) of unsorted samples. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}

/** Peak resident set size of this process so far, in MB. */
export const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

/** Milliseconds rounded to 0.1. */
export const ms = (x: number): number => Math.round(x * 10) / 10;

/** Print a progress line to stderr (stdout carries the summary). */
export const progress = (msg: string): void => {
  process.stderr.write(`[bench] ${msg}\n`);
};

/** Poll the vault's status until `total` files are indexed or failed and no vectors are pending, printing progress. */
export async function waitIndexed(suite: string, app: App, total: number, everyMs = 500) {
  let last = '';
  for (;;) {
    const s = await app.services.status.status(app.owner);
    if ((s.files.indexed ?? 0) + (s.files.failed ?? 0) >= total && s.embedder.pending === 0) return s;
    const line = `${s.files.indexed}/${total} files indexed, ${s.resources} chunks, ${s.embeddings} vectors`;
    if (line !== last) progress(`${suite}: ${line}`);
    last = line;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
