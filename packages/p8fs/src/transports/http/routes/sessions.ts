import { SessionDetail, SessionList, SessionListQuery } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toSessionDetail, toSessionList } from '../../chat-presenters.js';
import { parseWith } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

const ID = { id: 'session id (UUID); anything else is simply not found' };
const BASE = '/api/v1/sessions';

/** Chat sessions: every request to /chat/completions is a turn of one (decision 0019). */
export function sessionRoutes(app: App): RouteSpec[] {
  const sessions = app.services.sessions;
  const list = async (c: Ctx) => {
    const q = parseWith(SessionListQuery, c.req.query(), 'query');
    return c.json(toSessionList(await sessions.list(c.get('actor'), q), q));
  };
  const get = async (c: Ctx) => c.json(toSessionDetail(await sessions.get(c.get('actor'), c.req.param('id') ?? '')));
  const remove = async (c: Ctx) => {
    await sessions.delete(c.get('actor'), c.req.param('id') ?? '');
    return c.body(null, 204);
  };
  return [
    {
      method: 'get', path: BASE, operationId: 'listSessions', tag: 'agents', summary: 'Chat sessions, most recently used first',
      query: SessionListQuery, responses: { 200: { description: 'a page of sessions', body: json(SessionList) } }, errors: [400], handler: list,
    },
    {
      method: 'get', path: `${BASE}/{id}`, operationId: 'getSession', tag: 'agents',
      summary: 'One chat session with its messages, tool calls and results, tokens, cost and latency',
      params: ID, responses: { 200: { description: 'the session', body: json(SessionDetail) } }, errors: [404], handler: get,
    },
    {
      method: 'delete', path: `${BASE}/{id}`, operationId: 'deleteSession', tag: 'agents', summary: 'Delete a chat session and its searchable turns',
      params: ID, responses: { 204: { description: 'deleted' } }, errors: [404], handler: remove,
    },
  ];
}
