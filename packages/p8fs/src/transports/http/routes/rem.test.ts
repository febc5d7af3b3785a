import { RemResult } from '@p8fs/contracts';
import type { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../../../test/support.js';
import type { App } from '../../../app.js';
import { render } from '../../cli/commands/rem.js';
import { createHttpApp } from '../app.js';
import type { HttpEnv } from '../route-spec.js';

describe('POST /api/v1/rem/query', () => {
  let app: App & { dataDir: string };
  let http: Hono<HttpEnv>;
  const rem = async (body: unknown) => {
    const res = await http.request('/api/v1/rem/query', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    // biome-ignore lint/suspicious/noExplicitAny: assertions read whatever the server answered
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  beforeAll(async () => {
    app = await createTestApp();
    http = createHttpApp(app, { actorFor: () => app.owner });
    await app.services.resources.writeSequence(app.owner, [{ name: 'Sarah Chen', content: 'Sarah leads the budget review.' }]);
    await app.services.graph.addEdges(app.owner, [{ src: 'Sarah Chen', rel: 'leads', dst: 'Project Alpha' }]);
  });
  afterAll(() => app.close());

  it('answers a REM result the contract accepts, for each kind', async () => {
    for (const query of ['LOOKUP Sarah Chen', 'FUZZY sara', 'SEARCH "budget"', 'TRAVERSE WITH LOOKUP Sarah Chen', 'TRAVERSE PLAN WITH LOOKUP Sarah Chen']) {
      const { status, body } = await rem({ query });
      expect(status, query).toBe(200);
      expect(RemResult.safeParse(body).success, query).toBe(true);
    }
    const sql = await rem({ query: 'SELECT name, created_at FROM resources', limit: 5 });
    expect(sql.body).toMatchObject({ kind: 'sql', columns: ['name', 'created_at'], rows: [{ name: 'Sarah Chen' }], truncated: false });
  });

  it('maps REM errors to 400 with position details', async () => {
    const syntax = await rem({ query: 'TRAVERSE WITH LOOKUP "x" DEPT 2' });
    expect(syntax).toMatchObject({ status: 400, body: { error: { code: 'rem.syntax', details: { position: 25, found: 'DEPT' } } } });
    expect((await rem({ query: 'SELECT * FROM pg_catalog.pg_user' })).body.error.code).toBe('rem.not_allowed');
    expect((await rem({ query: 'TRAVERSE WITH LOOKUP x DEPTH 9' })).body.error.code).toBe('rem.limit');
    expect((await rem({ query: 'SELECT 1/0' })).body.error.code).toBe('rem.sql_error');
    expect((await rem({ query: '  ' })).body.error.code).toBe('validation_failed');
    expect((await rem({ query: 'SELECT 1', limit: 5000 })).status).toBe(400);
  });

  it('is in the OpenAPI document', async () => {
    const doc = (await (await http.request('/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(doc.paths['/api/v1/rem/query']).toBeTruthy();
  });

  it('renders results for people (CLI)', async () => {
    const lookup = render(RemResult.parse((await rem({ query: 'TRAVERSE WITH LOOKUP Sarah Chen' })).body));
    expect(lookup).toMatch(/TABLE\s+LABEL\s+TYPE/);
    expect(lookup).toContain('Project Alpha');
    expect(lookup).toContain('depth 1: followed 1 edge (leads');
    const sql = render(RemResult.parse((await rem({ query: 'SELECT name, metadata FROM resources' })).body));
    expect(sql).toMatch(/^name\s+metadata\nSarah Chen\s+\{\}/);
    expect(render(RemResult.parse((await rem({ query: 'TRAVERSE PLAN WITH LOOKUP Sarah Chen' })).body))).toMatch(/leads\s+out\s+1/);
  });
});
