import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSmtp, type TestSmtp } from '../src/adapters/mailer/test-smtp.fixture.js';
import type { PgliteWorkerDb } from '../src/adapters/db/pglite-worker.js';
import type { App } from '../src/app.js';
import type { Logger } from '../src/ports/logger.js';
import { type HttpServer, startHttpServer } from '../src/transports/http/server.js';
import { type RegisteredDevice, registerOverHttp } from './http-tenants.js';
import { createTestApp, waitFor } from './support.js';

// The outside attack's first finding: one REM statement froze the embedded server for everyone
// (PGlite ran on the main thread and ignores statement_timeout). Here a file-backed vault (the
// embedded default: PGlite in its own thread) with two tenants, a real HTTP server, and statements
// and floods that tenant A shapes; tenant B and the health check must keep being served.

// Passes the guard and prices cheap (the planner guesses 100 rows per jsonb_array_elements), yet
// counts (characters of the vault)^2 x resources rows: about 10^9 here, far past any budget.
const UNDERESTIMATED = `SELECT count(*) FROM resources r,
  jsonb_array_elements((SELECT jsonb_agg(c) FROM unnest(string_to_array((SELECT string_agg(content, '') FROM resources), NULL)) c)) a,
  jsonb_array_elements((SELECT jsonb_agg(c) FROM unnest(string_to_array((SELECT string_agg(content, '') FROM resources), NULL)) c)) b`;
const ATTACK = "SELECT count(*) FROM unnest(string_to_array(format('%15000s',''),NULL)) a, unnest(string_to_array(format('%15000s',''),NULL)) b";
const BUDGET_S = 3;

/** Warn lines the app logs (the engine restarts say why). */
function capturingLogger(lines: Array<Record<string, unknown>>): Logger {
  const log = (level: string) => (obj: unknown, msg?: string) => {
    if (level === 'warn' || level === 'error') lines.push({ ...(typeof obj === 'object' ? obj : { obj }), msg, level });
  };
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), child: () => logger } as unknown as Logger;
  return logger;
}

describe('a request a caller shapes cannot hold the embedded vault (PGlite in its own thread)', () => {
  let smtp: TestSmtp;
  let app: App & { dataDir: string };
  let server: HttpServer;
  let A: RegisteredDevice;
  let B: RegisteredDevice;
  const logged: Array<Record<string, unknown>> = [];
  const url = (p: string) => `${server.url}${p}`;
  const auth = (d: RegisteredDevice) => ({ authorization: `Bearer ${d.accessToken}` });
  const rem = (d: RegisteredDevice, query: string, signal?: AbortSignal) =>
    fetch(url('/api/v1/rem/query'), { method: 'POST', headers: { ...auth(d), 'content-type': 'application/json' }, body: JSON.stringify({ query }), ...(signal ? { signal } : {}) });
  const search = (d: RegisteredDevice, query: string) =>
    fetch(url('/api/v1/search'), { method: 'POST', headers: { ...auth(d), 'content-type': 'application/json' }, body: JSON.stringify({ query, limit: 5 }) });
  const db = () => app.db as PgliteWorkerDb;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    app = await createTestApp({ smtpUrl: smtp.url, queryTimeoutSeconds: BUDGET_S }, { inMemory: false, logger: capturingLogger(logged) });
    expect(db().engineRestarts).toBe(0);
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    app.pool.start();
    A = await registerOverHttp(server.url, smtp, 'alice@example.com', 'phone A');
    B = await registerOverHttp(server.url, smtp, 'bob@example.com', 'phone B');
    for (const [who, text] of [[A, 'lighthouse keeper notes '], [B, 'garden diary entries ']] as const) {
      const fd = new FormData();
      fd.append('path', 'notes/long.md');
      fd.append('file', new Blob([`# Long note\n\n${text.repeat(400)}\n`], { type: 'text/markdown' }), 'long.md');
      const up = await fetch(url('/api/v1/files'), { method: 'POST', headers: auth(who), body: fd });
      expect(up.status).toBe(202);
      const { id } = (await up.json()) as { id: string };
      await waitFor(async () => ((await (await fetch(url(`/api/v1/files/${id}`), { headers: auth(who) })).json()) as { status: string }).status === 'indexed');
    }
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    await app?.close();
    await smtp?.close();
  });

  it('refuses the attack’s statement at once (format is not allowed; sql-exec.test.ts prices it with EXPLAIN)', async () => {
    const res = await rem(A, ATTACK);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('rem.not_allowed');
  });

  it('stops a runaway statement at its budget; health and the other tenant are served meanwhile', async () => {
    const restarts = db().engineRestarts;
    let finished = false;
    const runaway = rem(A, UNDERESTIMATED).then(async (r) => { finished = true; return { status: r.status, body: (await r.json()) as { error: { code: string } } }; });
    await waitFor(async () => db().boundedReadsRunning === 1, 30_000, 10);
    // The main thread is free while the statement runs: health answers again and again before it ends.
    let healthy = 0;
    while (!finished && healthy < 5) {
      expect((await fetch(url('/health'))).status).toBe(200);
      if (!finished) healthy++;
    }
    expect(healthy).toBe(5);
    // B's requests wait for the database at most until A's statement is stopped, then are served.
    const files = await fetch(url('/api/v1/files'), { headers: auth(B) });
    expect(files.status).toBe(200);
    expect(await runaway).toMatchObject({ status: 408, body: { error: { code: 'rem.timeout' } } });
    expect(db().engineRestarts).toBe(restarts + 1);
    // The vault works on: both tenants search their own notes.
    expect(JSON.stringify(await (await search(A, 'lighthouse')).json())).toContain('lighthouse');
    expect(JSON.stringify(await (await search(B, 'garden')).json())).toContain('garden');
  });

  it('stops the statement when its client disconnects, before its budget', async () => {
    const restarts = db().engineRestarts;
    const abort = new AbortController();
    const runaway = rem(A, UNDERESTIMATED, abort.signal).catch((e: Error) => e.name);
    await waitFor(async () => db().boundedReadsRunning === 1, 30_000, 10);
    abort.abort();
    expect(await runaway).toBe('AbortError');
    await waitFor(async () => logged.some((l) => l.reason === 'query.cancelled'), 30_000, 20);
    expect(db().engineRestarts).toBe(restarts + 1);
    expect((await fetch(url('/api/v1/files'), { headers: auth(B) })).status).toBe(200);
  });

  it('a flood of searches from one tenant leaves the other a short queue (429 with Retry-After for the excess)', async () => {
    const order: string[] = [];
    const flood = Array.from({ length: 200 }, (_, i) => search(A, `lighthouse keeper ${i}`).then(async (r) => {
      order.push(r.status === 200 ? 'A' : `A${r.status}`);
      return r;
    }));
    // B asks once the flood is in: its answer must not wait for A's queue to drain.
    await waitFor(async () => db().boundedReadsRunning === 1 || order.length > 0, 30_000, 5);
    const b = await search(B, 'garden');
    order.push('B');
    expect(b.status).toBe(200);
    const answers = await Promise.all(flood);
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(100);
    expect(refused[0]?.headers.get('retry-after')).toMatch(/^\d+$/);
    // Served searches of A that finished after B's: B did not wait behind A's queue.
    const servedAfterB = order.slice(order.indexOf('B') + 1).filter((o) => o === 'A').length;
    expect(servedAfterB).toBeGreaterThanOrEqual(10);
  });
});
