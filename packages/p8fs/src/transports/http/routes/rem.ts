import { RemAskRequest, RemAskResult, RemQueryRequest, RemResult } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** REM: LOOKUP, FUZZY, SEARCH, read-only SQL and TRAVERSE in one query language. */
export function remRoutes(app: App): RouteSpec[] {
  const rem = app.services.rem;
  const run = async (c: Ctx) => {
    const raw = await readJson(c);
    // {"ask": "a question"}: the chat model plans REM statements, run like typed ones (decision 0019).
    if (typeof (raw as { ask?: unknown } | null)?.ask === 'string') {
      const ask = parseWith(RemAskRequest, raw, 'body');
      const res: RemAskResult = await rem.ask(c.get('actor'), ask.ask, { ...(ask.limit === undefined ? {} : { limit: ask.limit }), signal: c.req.raw.signal });
      return c.json(res);
    }
    const req = parseWith(RemQueryRequest, raw, 'body');
    const res: RemResult = await rem.query(c.get('actor'), req.query, {
      ...(req.limit === undefined ? {} : { limit: req.limit }), ...(req.ask === undefined ? {} : { ask: req.ask }),
      // A client that disconnects stops its statement (node-server aborts the request's signal).
      signal: c.req.raw.signal,
    });
    return c.json(res);
  };
  return [
    {
      method: 'post', path: '/api/v1/rem/query', operationId: 'remQuery', tag: 'search', summary: 'Run a REM query',
      description:
        'LOOKUP label[, label...] | FUZZY text [LIMIT n] [THRESHOLD x] | SEARCH "text" [IN table] [LIMIT n] [THRESHOLD x] | ' +
        'SELECT ... (read-only, your rows only) | TRAVERSE [PLAN] [rel, types] WITH LOOKUP ... | SEARCH "..." [DEPTH n] [DIRECTION out|in|both] [LIMIT n]. ' +
        'Errors: rem.syntax (with position and what was expected), rem.not_allowed, rem.limit, rem.sql_error (400), rem.timeout (408). ' +
        'With {"ask": "a question"} instead, the chat model plans the statements: the answer is {ask, plan: {statements, model, note}, results}.',
      // A query of up to 20,000 characters (contract), JSON-escaped.
      body: json(RemQueryRequest.or(RemAskRequest)), maxBodyBytes: 256 * 1024,
      responses: { 200: { description: 'nodes, rows or a walk, by kind; for ask, the plan and each statement\'s result', body: json(RemResult.or(RemAskResult)) } },
      errors: [400, 408], handler: run,
    },
  ];
}
