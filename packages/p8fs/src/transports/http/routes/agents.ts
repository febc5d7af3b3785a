import { AgentDto, AgentList } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toAgentDto } from '../../presenters.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** Agent definitions uploaded as `p8-type: agent` documents (read-only: the file is the source). */
export function agentRoutes(app: App): RouteSpec[] {
  const agents = app.services.agents;
  const list = async (c: Ctx) => c.json({ agents: (await agents.list(c.get('actor'))).map(toAgentDto) });
  const get = async (c: Ctx) => c.json(toAgentDto(await agents.get(c.get('actor'), c.req.param('name') ?? '')));
  return [
    {
      method: 'get', path: '/api/v1/entity/agents', operationId: 'listAgents', tag: 'agents', summary: 'The agent definitions, by name',
      responses: { 200: { description: 'the agents', body: json(AgentList) } }, handler: list,
    },
    {
      method: 'get', path: '/api/v1/entity/agents/{name}', operationId: 'getAgent', tag: 'agents', summary: 'One agent definition by name',
      params: { name: 'the agent name' }, responses: { 200: { description: 'the agent', body: json(AgentDto) } }, errors: [404], handler: get,
    },
  ];
}
