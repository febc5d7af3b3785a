import { RemQueryRequest, RemResult } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** REM: LOOKUP, FUZZY, SEARCH, read-only SQL and TRAVERSE in one query language. */
export function remRoutes(app: App): RouteSpec[] {
  const rem = app.services.rem;
  const run = async (c: Ctx) => {
    const req = parseWith(RemQueryRequest, await readJson(c), 'body');
    const res: RemResult = await rem.query(c.get('actor'), req.query, {
      ...(req.limit === undefined ? {} : { limit: req.limit }), ...(req.ask === undefined ? {} : { ask: req.ask }),
    });
    return c.json(res);
  };
  return [
    {
      method: 'post', path: '/api/v1/rem/query', operationId: 'remQuery', tag: 'search', summary: 'Run a REM query',
      description:
        'LOOKUP label[, label...] | FUZZY text [LIMIT n] [THRESHOLD x] | SEARCH "text" [IN table] [LIMIT n] [THRESHOLD x] | ' +
        'SELECT ... (read-only, your rows only) | TRAVERSE [PLAN] [rel, types] WITH LOOKUP ... | SEARCH "..." [DEPTH n] [DIRECTION out|in|both] [LIMIT n]. ' +
        'Errors: rem.syntax (with position and what was expected), rem.not_allowed, rem.limit, rem.sql_error (400), rem.timeout (408).',
      body: json(RemQueryRequest), responses: { 200: { description: 'nodes, rows or a walk, by kind', body: json(RemResult) } },
      errors: [400, 408], handler: run,
    },
  ];
}
