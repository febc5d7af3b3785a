import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { AppError } from '../../domain/errors.js';
import { TOOL_PACKAGES, type ToolResult, type ToolRunOptions, type ToolRunner } from '../../ports/tools.js';

const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_MAX_OUTPUT = 256 * 1024 * 1024;
const STDERR_KEEP = 8192;

/**
 * Runs installed programs as child processes. Each run gets its own process group so a timeout
 * kills the whole tree (soffice forks soffice.bin), and an address-space limit through util-linux
 * `prlimit` where it is installed (it is on Debian). Lookups are cached per runner.
 */
export class ProcessToolRunner implements ToolRunner {
  private readonly found = new Map<string, Promise<string | null>>();

  /** `defaults` apply to every run unless the caller overrides them (the configured parse limits). */
  constructor(
    private readonly searchPath: string = defaultPath(),
    private readonly defaults: Pick<ToolRunOptions, 'timeoutMs' | 'memoryMb'> = {},
  ) {}

  which(name: string): Promise<string | null> {
    let hit = this.found.get(name);
    if (!hit) {
      hit = locate(name, this.searchPath);
      this.found.set(name, hit);
    }
    return hit;
  }

  async run(name: string, args: readonly string[], given: ToolRunOptions = {}): Promise<ToolResult> {
    const opts = { ...this.defaults, ...given };
    const path = await this.which(name);
    if (path === null) throw missingTool(name);
    const prlimit = opts.memoryMb ? await this.which('prlimit') : null;
    const [cmd, argv] = prlimit !== null && opts.memoryMb
      ? [prlimit, [`--as=${opts.memoryMb * 1024 * 1024}`, '--', path, ...args]]
      : [path, [...args]];
    return runProcess(name, cmd, argv, opts);
  }
}

/** The error for a program that is not installed: names the Debian package to install. */
export function missingTool(name: string): AppError {
  const pkg = TOOL_PACKAGES[name] ?? name;
  return new AppError('parser.tool_missing', `${name} is not installed: install it with \`apt-get install ${pkg}\` (or run scripts/setup-system.sh)`, {
    tool: name,
    package: pkg,
  });
}

function runProcess(name: string, cmd: string, argv: string[], opts: ToolRunOptions): Promise<ToolResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxOutput = opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise<ToolResult>((resolve, reject) => {
    const child = spawn(cmd, argv, { cwd: opts.cwd, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let outBytes = 0;
    let stderr = '';
    let failure: AppError | null = null;
    const kill = (why: AppError): void => {
      failure ??= why;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const timer = setTimeout(() => kill(new AppError('parser.timeout', `${name} did not finish within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    const onAbort = (): void => kill(new AppError('parser.timeout', `${name} was stopped: the parse was cancelled`));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.on('data', (d: Buffer) => {
      outBytes += d.length;
      if (outBytes > maxOutput) return kill(new AppError('parser.limit_exceeded', `${name} wrote more than ${maxOutput} bytes`));
      out.push(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < STDERR_KEEP) stderr += d.toString('utf8').slice(0, STDERR_KEEP - stderr.length);
    });
    // A program that exits before reading its stdin is not an error of ours.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? null);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new AppError('parser.failed', `${name} could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (failure) return reject(failure);
      // prlimit's address-space cap shows up as an allocation failure (SIGABRT/SIGSEGV or an error exit).
      if (signal !== null) return reject(new AppError('parser.failed', `${name} was killed by ${signal}${stderr ? `: ${lastLine(stderr)}` : ''}`));
      resolve({ stdout: Buffer.concat(out), stderr, exitCode: code ?? 0 });
    });
  });
}

const lastLine = (s: string): string => s.trim().split('\n').pop() ?? '';

// A fixed system search path rather than $PATH: only entrypoints read the environment, and the
// tools we use are Debian packages, installed here. Tests pass another path to simulate absence.
function defaultPath(): string {
  return ['/usr/local/bin', '/usr/bin', '/bin', '/usr/sbin', '/sbin'].join(delimiter);
}

async function locate(name: string, searchPath: string): Promise<string | null> {
  for (const dir of searchPath.split(delimiter)) {
    if (!dir) continue;
    const p = join(dir, name);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return null;
}
