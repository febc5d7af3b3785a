import type { Worker } from 'node:worker_threads';
import { spawnWorker } from '../threads/worker-url.js';
import type { EngineReply, EngineRequest, EngineStart } from './pglite-protocol.js';

type Pending = { resolve: (rows: unknown[]) => void; reject: (err: Error) => void; dump?: (bytes: Uint8Array) => void };

/** How long a clean close may take before the thread is terminated anyway. */
const CLOSE_GRACE_MS = 15_000;

/**
 * One database thread running PGlite on a data dir. Requests are answered in order; kill()
 * terminates the thread at once (even inside a statement) and fails whatever was pending with the
 * given error. A killed or crashed engine stays dead: the owner starts a new one.
 */
export class PgliteEngine {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private deathCause: Error | null = null;
  private readonly exited: Promise<void>;

  private constructor(private readonly worker: Worker) {
    this.exited = new Promise((resolve) => worker.once('exit', () => resolve()));
    worker.on('message', (m: EngineReply) => this.settle(m));
    worker.on('error', (err) => this.die(new Error(`the embedded database thread failed: ${err.message}`)));
    worker.on('exit', (code) => this.die(new Error(`the embedded database thread stopped (exit code ${code})`)));
  }

  /** Start a thread and wait until PGlite has opened the data dir and run the init statements. */
  static async start(start: EngineStart): Promise<PgliteEngine> {
    const worker = spawnWorker(import.meta.url, 'pglite.worker', { workerData: start });
    const engine = new PgliteEngine(worker);
    await new Promise<void>((resolve, reject) => {
      engine.pending.set(0, { resolve: () => resolve(), reject });
    });
    return engine;
  }

  get dead(): boolean {
    return this.deathCause !== null;
  }

  /** Run one statement (query, with parameters) or a script (exec). */
  call(op: 'query' | 'exec', sql: string, params: readonly unknown[] = []): Promise<unknown[]> {
    if (this.deathCause) return Promise.reject(this.deathCause);
    const id = this.nextId++;
    const req: EngineRequest = op === 'exec' ? { id, op, sql } : { id, op, sql, params: [...params] };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(req);
    });
  }

  /** The data dir as a gzipped tar (PGlite's dumpDataDir), taken between statements. */
  dump(): Promise<Uint8Array> {
    if (this.deathCause) return Promise.reject(this.deathCause);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: () => reject(new Error('the database thread sent no dump')), reject, dump: resolve });
      this.worker.postMessage({ id, op: 'dump' } satisfies EngineRequest);
    });
  }

  /** Stop the thread now; pending calls fail with cause. Resolves once the thread is gone. */
  async kill(cause: Error): Promise<void> {
    this.die(cause);
    await this.worker.terminate();
    await this.exited;
  }

  /** Close PGlite cleanly (a checkpoint), then end the thread. */
  async close(): Promise<void> {
    if (!this.deathCause) {
      const id = this.nextId++;
      const closed = new Promise<unknown>((resolve, reject) => this.pending.set(id, { resolve, reject }));
      this.worker.postMessage({ id, op: 'close' } satisfies EngineRequest);
      const grace = new Promise((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
      await Promise.race([closed.catch(() => {}), grace]);
    }
    await this.kill(new Error('the embedded database is closed'));
  }

  private settle(m: EngineReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    if (m.error) p.reject(Object.assign(new Error(m.error.message), m.error));
    else if (m.dump && p.dump) p.dump(m.dump);
    else p.resolve(m.rows ?? []);
  }

  private die(cause: Error): void {
    if (this.deathCause) return;
    this.deathCause = cause;
    for (const p of this.pending.values()) p.reject(cause);
    this.pending.clear();
  }
}
