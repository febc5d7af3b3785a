import { AppError } from '../../domain/errors.js';
import type { ParseOutcome, ParseRequest, ParseRunner } from '../../ports/parser.js';
import { WorkerPool } from '../threads/worker-pool.js';
import { spawnWorker } from '../threads/worker-url.js';
import type { ParseEnv } from './env.js';
import type { ParseWorkerData } from './parse.worker.js';

export interface ThreadParseRunnerOptions {
  env: ParseEnv;
  /** Parser threads (at most this many files parse at once). */
  threads: number;
  /** Module URL exporting createParserRegistry(); default: the product's parsers. */
  registryModule?: string;
}

/**
 * Runs every parse in a pool of worker threads. A thread's JS heap is capped at env.memoryMb
 * (V8 resourceLimits), a parse running past env.timeoutMs gets its thread terminated, and external
 * tools are capped by the tool runner. A parser that hangs or blows up fails that file only.
 */
export class ThreadParseRunner implements ParseRunner {
  private readonly pool: WorkerPool<ParseRequest, ParseOutcome>;
  private readonly timeoutMs: number;

  constructor(opts: ThreadParseRunnerOptions) {
    const workerData: ParseWorkerData = {
      env: opts.env,
      registryModule: opts.registryModule ?? new URL('../../parsers/index.js', import.meta.url).href.replace(/\.js$/, moduleExt()),
    };
    this.timeoutMs = opts.env.timeoutMs;
    this.pool = new WorkerPool({
      name: 'parser',
      size: Math.max(1, opts.threads),
      errorCode: 'parser.failed',
      spawn: () =>
        spawnWorker(import.meta.url, 'parse.worker', {
          workerData,
          resourceLimits: { maxOldGenerationSizeMb: opts.env.memoryMb, maxYoungGenerationSizeMb: 64 },
        }),
      exitError: (code, err) =>
        (err as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new AppError('parser.out_of_memory', `parsing needed more than ${opts.env.memoryMb} MB (parseMemoryMb)`)
          : new AppError('parser.failed', `the parser crashed (thread exit ${code}${err ? `: ${err.message}` : ''})`),
    });
  }

  /** Parse in a thread. The request's bytes are moved there, not copied, when they own their memory: don't use them after. */
  async parse(req: ParseRequest): Promise<ParseOutcome> {
    const { buffer, byteOffset, byteLength } = req.bytes;
    // A large upload would otherwise exist twice; a pooled small Buffer shares its memory and is copied.
    const movable = buffer instanceof ArrayBuffer && byteOffset === 0 && byteLength === buffer.byteLength;
    const out = await this.pool.run(req, {
      transfer: movable ? [buffer] : [],
      timeoutMs: this.timeoutMs,
      timeoutError: () => new AppError('parser.timeout', `parsing took longer than ${Math.round(this.timeoutMs / 1000)} s (parseTimeoutSeconds)`),
    });
    return reviveBuffers(out);
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** Compiled code imports the .js registry; under vitest/tsx this file is .ts and so is its sibling. */
const moduleExt = (): string => (import.meta.url.endsWith('.ts') ? '.ts' : '.js');

const asBuffer = (u: Uint8Array): Buffer => Buffer.from(u.buffer, u.byteOffset, u.byteLength);

/** Structured clone returns Uint8Arrays where the worker had Buffers. */
function reviveBuffers(out: ParseOutcome): ParseOutcome {
  const doc = out.doc;
  if (doc.children) doc.children = doc.children.map((c) => ({ ...c, bytes: asBuffer(c.bytes) }));
  if (doc.artifacts) doc.artifacts = doc.artifacts.map((a) => ({ ...a, bytes: asBuffer(a.bytes) }));
  return out;
}
