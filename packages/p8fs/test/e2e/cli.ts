import { randomBytes } from 'node:crypto';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileDto, ResourceDto } from '@p8fs/contracts';

// Helpers for e2e tests: they drive the BUILT binary as a user would, in child processes.

export const BIN = fileURLToPath(new URL('../../bin/p8fs.js', import.meta.url));
const BUILT = fileURLToPath(new URL('../../dist/transports/cli/main.js', import.meta.url));

/** Fail with a clear message when the binary was not built (`npm run build` / `npx tsc -b packages/p8fs`). */
export function assertBuilt(): void {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: build first (npx tsc -b packages/p8fs)`);
}

/** A fresh temp folder; remove it with cleanup(). */
export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `p8fs-e2e-${prefix}-`));
}

/** Remove temp folders. */
export function cleanup(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

/** The environment of a child: ours without any P8FS_* setting, then a data dir, the hash embedder and extra. */
const TEST_MASTER_KEY = randomBytes(32).toString('base64');

export function vaultEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('P8FS_')) env[k] = v;
  // Every process of a test on one PostgreSQL shares one master key, as a deployment must (decision 0017).
  const key = extra.P8FS_STORAGE_PROVIDER === 'postgres' ? { P8FS_MASTER_KEY: TEST_MASTER_KEY } : {};
  return { ...env, P8FS_DATA_DIR: dataDir, P8FS_EMBEDDING_PROVIDER: 'hash', ...key, ...extra };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `p8fs args...` to completion. */
export function p8fs(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 120_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`p8fs ${args.join(' ')} ran over ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** What `p8fs search --json` prints. */
export interface SearchJson {
  results: { resource_id: string; file_id: string | null; uri: string; name: string; content: string; score: number }[];
}

/** What `p8fs files info ID --json [--chunks]` prints. */
export type FileInfoJson = FileDto & { resources?: ResourceDto[] };

/** Run `p8fs args... --json`, expect exit 0, and parse stdout (which must be only the JSON). */
export async function p8fsJson<T>(args: string[], env: NodeJS.ProcessEnv): Promise<T> {
  const r = await p8fs([...args, '--json'], env);
  if (r.code !== 0) throw new Error(`p8fs ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A long-running `p8fs` (serve, worker) whose output is collected as it arrives. */
export class Running {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (d) => (this.stdout += d));
    this.child.stderr?.on('data', (d) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  }

  /** Wait until check(this) returns a value, the process exits, or the timeout passes. */
  async until<T>(check: (p: Running) => T | null | undefined | false, what: string, timeoutMs = 120_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let exited = false;
    void this.exited.then(() => (exited = true));
    for (;;) {
      const v = check(this);
      if (v) return v;
      if (exited || Date.now() > deadline)
        throw new Error(`${exited ? 'process exited' : 'timed out'} waiting for ${what}\nstdout: ${this.stdout}\nstderr: ${this.stderr.slice(-4000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The JSON log lines written to stderr so far (other lines are skipped). */
  /** The URL `p8fs serve` prints once it listens. */
  listening(timeoutMs = 120_000): Promise<string> {
    return this.until((p) => /p8fs listening on (http:\/\/\S+)/.exec(p.stdout)?.[1], 'the listening line', timeoutMs);
  }

  logs(): Record<string, unknown>[] {
    return this.stderr.split('\n').flatMap((line) => {
      if (!line.startsWith('{')) return [];
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  }

  /** Send a signal and wait for the exit code. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }
}

/** Poll fn until it returns a truthy value. */
export async function poll<T>(fn: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A fetch that sends the vault owner's access token. The token comes from `p8fs auth token`, which
 * reaches the running server through the data dir's lock and proves ownership with its secret.
 */
export async function ownerFetch(env: NodeJS.ProcessEnv): Promise<(input: string, init?: RequestInit) => Promise<Response>> {
  const r = await p8fs(['auth', 'token'], env);
  if (r.code !== 0) throw new Error(`p8fs auth token exited ${r.code}: ${r.stderr}`);
  const authorization = `Bearer ${r.stdout.trim()}`;
  return (input, init = {}) => fetch(input, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), authorization } });
}

const WORDS = 'alpha beta gamma delta river stone cloud maple harbor lantern copper willow meadow falcon ember'.split(' ');

/** ~1.2 MB of deterministic prose: about 1000 chunks, whose parse job takes seconds, not milliseconds. */
export function bigNote(): string {
  let seed = 7;
  const word = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return WORDS[seed % WORDS.length];
  };
  const paras = Array.from({ length: 3000 }, (_, i) => `Paragraph ${i}: ${Array.from({ length: 60 }, word).join(' ')}.`);
  return `# Big notes\n\n${paras.join('\n\n')}\n`;
}

/** The jobs of a type a worker process logged as done (its JSON log lines on stderr). */
export const jobsDone = (w: Running, type: string) => w.logs().filter((l) => l.msg === 'job done' && l.type === type);
