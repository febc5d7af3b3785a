import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { vector } from '@electric-sql/pglite-pgvector';
import type { EngineReply, EngineRequest, EngineStart } from './pglite-protocol.js';

// The embedded database's own thread (pglite-worker.ts starts it). PGlite is single-threaded WASM
// that cannot be interrupted from inside: here, a runaway statement blocks only this thread, and the
// main thread can terminate it and open the data dir again.

const port = parentPort;
if (!port) throw new Error('pglite.worker must run in a worker thread');
const start = workerData as EngineStart;

const serialise = (err: unknown): NonNullable<EngineReply['error']> => {
  const out: Record<string, string | number> = { message: err instanceof Error ? err.message : String(err) };
  // pg-protocol's DatabaseError fields (code, detail, hint, position, ...) travel as they are, so
  // callers check SQLSTATEs exactly as with PGlite in process.
  if (err && typeof err === 'object') {
    for (const [k, v] of Object.entries(err)) if (typeof v === 'string' || typeof v === 'number') out[k] = v;
  }
  return out as NonNullable<EngineReply['error']>;
};

try {
  const pg = await PGlite.create({ dataDir: start.dir, extensions: { vector, pg_trgm } });
  for (const statement of start.init) await pg.exec(statement);
  port.on('message', async (m: EngineRequest) => {
    try {
      if (m.op === 'close') {
        await pg.close();
        port.postMessage({ id: m.id, rows: [] } satisfies EngineReply);
        return;
      }
      if (m.op === 'dump') {
        // Between statements (the main thread holds the session lock): a checkpoint first, so the
        // copy needs no WAL replay beyond it; the bytes move to the main thread without a copy.
        await pg.exec('CHECKPOINT');
        const dump = new Uint8Array(await (await pg.dumpDataDir('gzip')).arrayBuffer());
        port.postMessage({ id: m.id, dump } satisfies EngineReply, [dump.buffer as ArrayBuffer]);
        return;
      }
      let rows: unknown[] = [];
      if (m.op === 'exec') await pg.exec(m.sql);
      else rows = (await pg.query(m.sql, m.params)).rows;
      port.postMessage({ id: m.id, rows } satisfies EngineReply);
    } catch (err) {
      port.postMessage({ id: m.id, error: serialise(err) } satisfies EngineReply);
    }
  });
  port.postMessage({ id: 0, rows: [] } satisfies EngineReply);
} catch (err) {
  port.postMessage({ id: 0, error: serialise(err) } satisfies EngineReply);
}
