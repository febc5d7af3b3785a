import { mkdirSync } from 'node:fs';
import type { AppError } from '../../domain/errors.js';
import type { Db, QueryBounds, SqlRunner } from '../../ports/db.js';
import type { Logger } from '../../ports/logger.js';
import type { DbPoolStats } from '../../ports/metrics.js';
import { budgetMs, cancelled, timedOut } from '../../domain/query-errors.js';
import { Semaphore } from '../../domain/semaphore.js';
import { PgliteEngine } from './pglite-engine.js';

/**
 * Open a file-backed PGlite database in its own thread (decision 0016). init: statements run after
 * every open, e.g. session settings, since a restarted engine is a new session.
 */
export async function openPgliteWorker(dir: string, init: readonly string[] = [], log?: Logger): Promise<PgliteWorkerDb> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const engine = await PgliteEngine.start({ dir, init });
  return new PgliteWorkerDb(dir, init, engine, log);
}

/**
 * The Db port over PGlite in a worker thread. PGlite is one session that runs a statement to its
 * end and ignores statement_timeout, so a statement a caller shaped could hold the vault for hours.
 * Here the main thread keeps serving (health checks, other work that needs no database), and a
 * bounded read that runs past its budget or loses its caller has its engine terminated; the next
 * user opens the data dir again (committed data is in the WAL; the read wrote nothing).
 */
export class PgliteWorkerDb implements Db {
  readonly kind = 'pglite' as const;
  // PGlite is one session: a transaction's statements must not interleave with anyone else's.
  private readonly lock = new Semaphore(1);
  private restarts = 0;
  private running = 0;

  constructor(
    private readonly dir: string,
    private readonly init: readonly string[],
    private engine: PgliteEngine,
    private readonly log?: Logger,
  ) {}

  /** How many times a stopped read replaced the engine (tests, status). */
  get engineRestarts(): number {
    return this.restarts;
  }

  /** Bounded reads holding the engine now (0 or 1: tests wait for a read to be running, metrics). */
  get boundedReadsRunning(): number {
    return this.running;
  }

  /** PGlite is one session: "total" 1, idle unless someone holds it, and the callers queued for it. */
  poolStats(): DbPoolStats {
    return { total: 1, idle: this.lock.held === 0 ? 1 : 0, waiting: this.lock.queued };
  }

  query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return this.lock.run(async () => (await (await this.live()).call('query', sql, params)) as T[]);
  }

  async exec(sql: string): Promise<void> {
    await this.lock.run(async () => (await this.live()).call('exec', sql));
  }

  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const engine = await this.live();
      return inTransaction(engine, 'BEGIN', fn);
    });
  }

  readOnly<T>(fn: (tx: SqlRunner) => Promise<T>, bounds: QueryBounds): Promise<T> {
    return this.lock.run(() => this.bounded(fn, bounds), bounds.signal);
  }

  async close(): Promise<void> {
    await this.lock.run(() => this.engine.close());
  }

  /**
   * One consistent point for `p8fs backup`: the rows of `sql` and a dump of the data dir, both taken
   * while holding the session lock, so no write lands between them (the rows describe exactly the
   * database in the dump, e.g. the blobs it references).
   */
  snapshot<T>(sql: string): Promise<{ rows: T[]; dump: Uint8Array }> {
    return this.lock.run(async () => {
      const engine = await this.live();
      const rows = (await engine.call('query', sql)) as T[];
      return { rows, dump: await engine.dump() };
    });
  }

  private async bounded<T>(fn: (tx: SqlRunner) => Promise<T>, bounds: QueryBounds): Promise<T> {
    const engine = await this.live();
    this.running++;
    let stopped: AppError | null = null;
    let killed: Promise<void> = Promise.resolve();
    const stop = (err: AppError) => {
      if (stopped) return;
      stopped = err;
      killed = engine.kill(err);
    };
    const ms = budgetMs(bounds.timeoutMs);
    const timer = setTimeout(() => stop(timedOut(ms)), ms);
    const onAbort = () => stop(cancelled());
    bounds.signal?.addEventListener('abort', onAbort, { once: true });
    if (bounds.signal?.aborted) onAbort();
    try {
      return await inTransaction(engine, 'BEGIN READ ONLY', fn);
    } catch (err) {
      throw stopped ?? err;
    } finally {
      this.running--;
      clearTimeout(timer);
      bounds.signal?.removeEventListener('abort', onAbort);
      if (stopped) {
        // Before the lock is released, so nobody reaches the dir while the old thread still holds it.
        await killed;
        this.restarts++;
        this.log?.warn({ reason: (stopped as AppError).code, restarts: this.restarts }, 'pglite: a bounded read was stopped; reopening the database');
        await this.live();
      }
    }
  }

  /** The running engine, started again if it was stopped or crashed. Call with the lock held. */
  private async live(): Promise<PgliteEngine> {
    if (this.engine.dead) this.engine = await PgliteEngine.start({ dir: this.dir, init: this.init });
    return this.engine;
  }
}

/** fn inside BEGIN ... COMMIT on one engine; ROLLBACK when fn throws and the engine still runs. */
async function inTransaction<T>(engine: PgliteEngine, begin: string, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
  await engine.call('query', begin);
  try {
    const out = await fn({ query: async <R>(sql: string, params: readonly unknown[] = []) => (await engine.call('query', sql, params)) as R[] });
    await engine.call('query', 'COMMIT');
    return out;
  } catch (err) {
    if (!engine.dead) await engine.call('query', 'ROLLBACK').catch(() => {});
    throw err;
  }
}

