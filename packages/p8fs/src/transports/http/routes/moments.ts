import { MomentCreate, MomentDto, MomentList, MomentListQuery, MomentPatch } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toMomentDto, toMomentList } from '../../presenters.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

const ID = { id: 'moment id (UUID); anything else is simply not found' };
const BASE = '/api/v1/entity/moments';
// Notes of up to 200,000 characters (contract), which JSON escaping can make several times longer.
const MOMENT_BODY_BYTES = 2 * 1024 * 1024;

/**
 * Moments: time-bounded episodes (meetings, reflections, trips). Tagged 'resources' in the document:
 * each moment is mirrored by a searchable resource of category 'moment'.
 */
export function momentRoutes(app: App): RouteSpec[] {
  const moments = app.services.moments;
  const id = (c: Ctx) => c.req.param('id') ?? '';

  const create = async (c: Ctx) => c.json(toMomentDto(await moments.create(c.get('actor'), parseWith(MomentCreate, await readJson(c), 'body'))));
  const list = async (c: Ctx) => {
    // Tag filters may be repeated (?topic=a&topic=b): c.req.query() would keep only the last.
    const raw = { ...c.req.query(), topic: c.req.queries('topic'), emotion: c.req.queries('emotion') };
    const page = await moments.list(c.get('actor'), parseWith(MomentListQuery, raw, 'query'));
    return c.json(toMomentList(page, page.query));
  };
  const get = async (c: Ctx) => c.json(toMomentDto(await moments.get(c.get('actor'), id(c))));
  const patch = async (c: Ctx) => c.json(toMomentDto(await moments.patch(c.get('actor'), id(c), parseWith(MomentPatch, await readJson(c), 'body'))));
  const remove = async (c: Ctx) => {
    await moments.delete(c.get('actor'), id(c));
    return c.body(null, 204);
  };

  return [
    {
      method: 'post', path: BASE, operationId: 'createMoment', tag: 'moments',
      summary: 'Create a moment, or update the one with the same name',
      body: json(MomentCreate), maxBodyBytes: MOMENT_BODY_BYTES, responses: { 200: { description: 'the moment as stored', body: json(MomentDto) } }, errors: [400], handler: create,
    },
    {
      method: 'get', path: BASE, operationId: 'listMoments', tag: 'moments', summary: 'List moments by start time, filtered',
      query: MomentListQuery, responses: { 200: { description: 'a page of moments', body: json(MomentList) } }, errors: [400], handler: list,
    },
    {
      method: 'get', path: `${BASE}/{id}`, operationId: 'getMoment', tag: 'moments', summary: 'One moment',
      params: ID, responses: { 200: { description: 'the moment', body: json(MomentDto) } }, errors: [404], handler: get,
    },
    {
      method: 'patch', path: `${BASE}/{id}`, operationId: 'updateMoment', tag: 'moments',
      summary: 'Change some fields of a moment (metadata is merged key by key)',
      params: ID, body: json(MomentPatch), maxBodyBytes: MOMENT_BODY_BYTES, responses: { 200: { description: 'the moment as stored', body: json(MomentDto) } },
      errors: [400, 404, 409], handler: patch,
    },
    {
      method: 'delete', path: `${BASE}/{id}`, operationId: 'deleteMoment', tag: 'moments', summary: 'Delete a moment and its search resource',
      params: ID, responses: { 204: { description: 'deleted' } }, errors: [404], handler: remove,
    },
  ];
}
