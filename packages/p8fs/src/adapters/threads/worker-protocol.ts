import { parentPort, type TransferListItem } from 'node:worker_threads';
import type { ErrorCode } from '@p8fs/contracts';
import { isAppError } from '../../domain/errors.js';

/** Parent -> worker: one task. */
export interface TaskRequest<Req> {
  id: number;
  req: Req;
}

/** Worker -> parent: loaded, or the outcome of one task. */
export type TaskReply<Res> =
  | { type: 'ready' }
  | { type: 'result'; id: number; ok: true; res: Res }
  | { type: 'result'; id: number; ok: false; message: string; code?: ErrorCode; details?: unknown };

/** What a task handler returns: the result, and buffers to move (not copy) to the parent. */
export interface TaskOutput<Res> {
  res: Res;
  transfer?: TransferListItem[];
}

/**
 * Worker-thread side of WorkerPool: run `init` once, then answer tasks one at a time in arrival
 * order. An init failure is rethrown as an uncaught error so the thread dies and the pool reports
 * it, rather than answering every task with the same load error.
 */
export function serveTasks<S, Req, Res>(
  init: () => Promise<S>,
  handle: (state: S, req: Req) => Promise<TaskOutput<Res>>,
): void {
  const port = parentPort;
  if (!port) throw new Error('serveTasks must run inside a worker thread');
  const ready = init();
  let chain: Promise<void> = Promise.resolve();
  // Listen before init finishes so tasks posted meanwhile queue here, in order.
  port.on('message', (msg: TaskRequest<Req>) => {
    chain = chain.then(async () => {
      let reply: TaskReply<Res>;
      let transfer: TransferListItem[] = [];
      try {
        const out = await handle(await ready, msg.req);
        reply = { type: 'result', id: msg.id, ok: true, res: out.res };
        transfer = out.transfer ?? [];
      } catch (err) {
        // An AppError keeps its code across the thread boundary (structured clone drops the class).
        reply = isAppError(err)
          ? { type: 'result', id: msg.id, ok: false, message: err.message, code: err.code, details: err.details }
          : { type: 'result', id: msg.id, ok: false, message: err instanceof Error ? err.message : String(err) };
      }
      port.postMessage(reply, transfer);
    });
  });
  ready.then(
    () => port.postMessage({ type: 'ready' } satisfies TaskReply<Res>),
    (err: unknown) => {
      process.nextTick(() => {
        throw err;
      });
    },
  );
}
