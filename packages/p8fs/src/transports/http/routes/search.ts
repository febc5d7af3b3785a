import { SearchRequest, SearchResponse } from '@p8fs/contracts';
import type { App } from '../../../app.js';
import { parseWith, readJson } from '../input.js';
import { json, type Ctx, type RouteSpec } from '../route-spec.js';

/** Search: hybrid keyword + vector retrieval with provenance. */
export function searchRoutes(app: App): RouteSpec[] {
  const search = app.services.search;
  const run = async (c: Ctx) => {
    const req = parseWith(SearchRequest, await readJson(c), 'body');
    const res: SearchResponse = await search.search(c.get('actor'), req, { signal: c.req.raw.signal });
    return c.json(res);
  };
  return [
    {
      method: 'post', path: '/api/v1/search', operationId: 'search', tag: 'search', summary: 'Search the vault',
      description:
        'Each hit names its resource, file and uri, with a snippet, a 0..1 score and the ranks that produced it; hybrid hits under the ' +
        'relevance floor (searchMinScore) are left out. `group`: `chunk` (default, every passage) or `file` (one hit per file with ' +
        'up to three more `passages`, identical copies in `duplicates`). `low_accuracy` marks offline machine transcripts (decision 0022).',
      body: json(SearchRequest), responses: { 200: { description: 'ranked hits', body: json(SearchResponse) } },
      errors: [400], handler: run,
    },
  ];
}
