import type { TransferListItem, Worker } from 'node:worker_threads';
import type { ErrorCode } from '@p8fs/contracts';
import { AppError } from '../../domain/errors.js';
import type { TaskReply, TaskRequest } from './worker-protocol.js';

export interface WorkerPoolOptions {
  /** Names the pool in error messages, e.g. "use-lite". */
  name: string;
  size: number;
  /** Code of the AppError a failed or crashed task rejects with. */
  errorCode: ErrorCode;
  /** Start one worker thread whose script calls serveTasks (see worker-url.ts spawnWorker). */
  spawn(): Worker;
  /**
   * The error for a task whose worker died (crash, heap limit): by default errorCode with the exit
   * reason. Lets a caller tell "out of memory" from other deaths.
   */
  exitError?(code: number, lastError: Error | undefined): AppError;
}

export interface RunOptions {
  /** Buffers moved, not copied, to the worker. */
  transfer?: TransferListItem[];
  /** The worker is terminated after this long and the task rejects with timeoutError(). */
  timeoutMs?: number;
  timeoutError?: () => AppError;
}

interface Task<Req, Res> {
  id: number;
  req: Req;
  opts: RunOptions;
  resolve(res: Res): void;
  reject(err: Error): void;
  timer?: NodeJS.Timeout;
  timedOut?: boolean;
}

interface Slot<Req, Res> {
  worker: Worker;
  task?: Task<Req, Res>;
  lastError?: Error;
  ready: Promise<void>;
  settleReady(err?: Error): void;
}

/**
 * A fixed-size pool of worker threads, each running one task at a time. A worker that dies rejects
 * only its own in-flight task; a replacement is spawned when there is queued work again. Idle
 * workers are unref'd so a pool nobody closed does not keep the process alive.
 */
export class WorkerPool<Req, Res> {
  private readonly slots = new Set<Slot<Req, Res>>();
  private readonly queue: Task<Req, Res>[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly opts: WorkerPoolOptions) {}

  /** Workers currently alive (spawned and not yet exited). */
  get liveWorkers(): number {
    return this.slots.size;
  }

  /** Spawn every worker and wait until each has initialised, so setup failures surface at start. */
  async start(): Promise<void> {
    while (this.slots.size < this.opts.size) this.spawn();
    await Promise.all([...this.slots].map((s) => s.ready));
  }

  /** Run one task on the next free worker; the timeout counts from when a worker takes it. */
  run(req: Req, opts: RunOptions = {}): Promise<Res> {
    if (this.closed) return Promise.reject(this.error('pool is closed'));
    return new Promise<Res>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, req, opts, resolve, reject });
      this.pump();
    });
  }

  /** Reject queued tasks and terminate every worker. */
  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) task.reject(this.error('pool is closed'));
    await Promise.all([...this.slots].map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.queue.length > 0 && !this.closed) {
      let slot = [...this.slots].find((s) => !s.task);
      if (!slot) {
        if (this.slots.size >= this.opts.size) return;
        try {
          slot = this.spawn();
        } catch (err) {
          // Cannot start a thread at all (script missing): fail the waiting work instead of hanging.
          for (const task of this.queue.splice(0)) task.reject(err instanceof Error ? err : this.error(String(err)));
          return;
        }
      }
      const task = this.queue.shift() as Task<Req, Res>;
      try {
        slot.worker.postMessage({ id: task.id, req: task.req } satisfies TaskRequest<Req>, task.opts.transfer ?? []);
      } catch (err) {
        // A request that cannot be cloned fails alone; the worker stays free for the next one.
        task.reject(this.error(`cannot send task: ${err instanceof Error ? err.message : String(err)}`));
        continue;
      }
      slot.task = task;
      slot.worker.ref();
      if (task.opts.timeoutMs !== undefined) {
        const { worker } = slot;
        const ms = task.opts.timeoutMs;
        // The clock starts once the thread has loaded (a cold start is not the task's time). Only
        // terminating the thread stops a task stuck in a loop; onExit then rejects it.
        void slot.ready.then(() => {
          if (slot.task !== task) return;
          task.timer = setTimeout(() => {
            task.timedOut = true;
            void worker.terminate();
          }, ms);
        });
      }
    }
  }

  private spawn(): Slot<Req, Res> {
    // Stays ref'd while it loads: an awaited start() must keep the process alive. Unref'd once idle.
    const worker = this.opts.spawn();
    let settle: (err?: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      settle = (err) => (err ? reject(err) : resolve());
    });
    ready.catch(() => {}); // a dead worker's readiness may have no awaiter; its task carries the error
    const slot: Slot<Req, Res> = { worker, ready, settleReady: settle };
    worker.on('message', (msg: TaskReply<Res>) => this.onMessage(slot, msg));
    worker.on('error', (err: Error) => {
      slot.lastError = err;
    });
    worker.on('exit', (code: number) => this.onExit(slot, code));
    this.slots.add(slot);
    return slot;
  }

  private onMessage(slot: Slot<Req, Res>, msg: TaskReply<Res>): void {
    if (msg.type === 'ready') {
      if (!slot.task) slot.worker.unref();
      slot.settleReady();
      return;
    }
    const task = slot.task;
    if (!task || task.id !== msg.id) return;
    clearTimeout(task.timer);
    slot.task = undefined;
    slot.worker.unref();
    if (msg.ok) task.resolve(msg.res);
    else task.reject(msg.code !== undefined ? new AppError(msg.code, msg.message, msg.details) : this.error(msg.message));
    this.pump();
  }

  private onExit(slot: Slot<Req, Res>, code: number): void {
    this.slots.delete(slot);
    const task = slot.task;
    clearTimeout(task?.timer);
    let err: AppError;
    if (this.closed) err = this.error('pool is closed');
    else if (task?.timedOut) err = task.opts.timeoutError?.() ?? this.error('task timed out');
    else err = this.opts.exitError?.(code, slot.lastError) ?? this.error(`worker thread exited with code ${code}${slot.lastError ? `: ${slot.lastError.message}` : ''}`);
    slot.settleReady(err);
    task?.reject(err);
    slot.task = undefined;
    this.pump();
  }

  private error(message: string): AppError {
    return new AppError(this.opts.errorCode, `${this.opts.name}: ${message}`);
  }
}
