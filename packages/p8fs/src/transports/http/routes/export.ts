import { ExportEdgePage, ExportPageQuery, ExportResourcePage } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { toExportEdgePage, toExportResourcePage } from '../../export-presenters.js';
import { parseWith } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/**
 * `p8fs export` against a server: what the other list routes do not give (every resource, with
 * vectors if asked; the graph's edges), in keyset pages. Files, their bytes and moments come from
 * their own routes.
 */
export function exportRoutes(app: App): RouteSpec[] {
  const { exporter } = app.services;
  const resources = async (c: Ctx) => c.json(toExportResourcePage(await exporter.resources(c.get('actor'), parseWith(ExportPageQuery, c.req.query(), 'query'))));
  const edges = async (c: Ctx) => c.json(toExportEdgePage(await exporter.edges(c.get('actor'), parseWith(ExportPageQuery, c.req.query(), 'query'))));
  return [
    {
      method: 'get', path: '/api/v1/export/resources', operationId: 'exportResources', tag: 'resources',
      summary: 'Every resource of the vault by id, in pages (vectors when asked): for p8fs export',
      query: ExportPageQuery, responses: { 200: { description: 'a page of resources', body: json(ExportResourcePage) } }, errors: [400], handler: resources,
    },
    {
      method: 'get', path: '/api/v1/export/edges', operationId: 'exportEdges', tag: 'resources',
      summary: 'The knowledge graph\'s edges by id, in pages: for p8fs export',
      query: ExportPageQuery, responses: { 200: { description: 'a page of edges', body: json(ExportEdgePage) } }, errors: [400], handler: edges,
    },
  ];
}
