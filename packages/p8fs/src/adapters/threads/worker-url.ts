import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { AppError } from '../../domain/errors.js';

/** A worker script found next to a module: compiled JS (dist) or TypeScript source (vitest, tsx). */
export interface WorkerEntry {
  kind: 'js' | 'ts';
  url: URL;
}

/**
 * Find `<name>.js` next to `moduleUrl` (pass `import.meta.url`), else `<name>.ts`. Production runs
 * the compiled `dist/`, where the `.js` sibling exists; tests and `tsx` run the `.ts` sources.
 */
export function resolveWorkerEntry(moduleUrl: string | URL, name: string): WorkerEntry {
  for (const kind of ['js', 'ts'] as const) {
    const url = new URL(`./${name}.${kind}`, moduleUrl);
    if (url.protocol === 'file:' && existsSync(fileURLToPath(url))) return { kind, url };
  }
  throw new AppError('internal', `worker script ${name}.js or ${name}.ts not found next to ${String(moduleUrl)}`);
}

/** Start a worker thread running the script `<name>` next to `moduleUrl`, compiled or TypeScript. */
export function spawnWorker(moduleUrl: string | URL, name: string, options: WorkerOptions = {}): Worker {
  const entry = resolveWorkerEntry(moduleUrl, name);
  return new Worker(entry.kind === 'js' ? entry.url : tsBootstrapUrl(entry.url), options);
}

/**
 * A tiny ESM entry that registers tsx inside the new thread, then imports the `.ts` script.
 * `execArgv: ['--import', 'tsx']` does not work here: on Node 20 tsx's `--import` loader only
 * registers its hooks on the main thread, so a worker fails with ERR_UNKNOWN_FILE_EXTENSION.
 * Calling tsx's ESM `register()` from within the thread works on Node 20 and later.
 */
function tsBootstrapUrl(script: URL): URL {
  let tsxApi: string;
  try {
    tsxApi = import.meta.resolve('tsx/esm/api');
  } catch (err) {
    throw new AppError('internal', `cannot run worker ${script.pathname} from TypeScript source: tsx is not installed`, {
      cause: String(err),
    });
  }
  const code = [
    `import { register } from ${JSON.stringify(tsxApi)};`,
    'register();',
    `await import(${JSON.stringify(script.href)});`,
  ].join('\n');
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
