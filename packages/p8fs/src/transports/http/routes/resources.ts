import { ResourceDto } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toResourceDto } from '../../presenters.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** Resources: read one by id (search hits carry resource ids). */
export function resourceRoutes(app: App): RouteSpec[] {
  const resources = app.services.resources;
  const get = async (c: Ctx) => c.json(toResourceDto(await resources.get(c.get('actor'), c.req.param('id') ?? '')));
  return [
    {
      method: 'get', path: '/api/v1/resources/{id}', operationId: 'getResource', tag: 'resources', summary: 'One resource',
      params: { id: 'resource id (UUID)' }, responses: { 200: { description: 'the resource', body: json(ResourceDto) } },
      errors: [404], handler: get,
    },
  ];
}
