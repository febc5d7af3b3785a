import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support.js';
import type { App } from '../app.js';
import type { Actor } from '../domain/actor.js';
import { deviceId } from '../domain/ids.js';
import { createHttpApp } from '../transports/http/app.js';

describe('vault status: the data dir is the local owner\'s to see', () => {
  let app: App & { dataDir: string };
  const device = (tenantId: string, id: string, firstParty = true): Actor =>
    ({ tenantId, userId: null, deviceId: id, scopes: ['vault:read', 'vault:write'], firstParty });

  beforeAll(async () => {
    // On disk: an in-memory vault has no data dir to hide.
    app = await createTestApp({}, { inMemory: false });
  });
  afterAll(() => app.close());

  it('shows the path to the owner in process and to the owner device', async () => {
    expect((await app.services.status.status(app.owner)).data_dir).toBe(app.dataDir);
    const ownerDevice = device(app.config.tenantId, deviceId(app.config.tenantId, 'owner-local'));
    expect((await app.services.status.status(ownerDevice)).data_dir).toBe(app.dataDir);
  });

  it('hides it from other tenants, other devices and tokens an assistant holds', async () => {
    const others: Actor[] = [
      device('t_other', deviceId('t_other', 'owner-local')),
      device(app.config.tenantId, '6f1c1f3e-6a43-4c1c-9d1e-0c1a8f0b2f11'),
      device(app.config.tenantId, deviceId(app.config.tenantId, 'owner-local'), false),
    ];
    for (const actor of others) expect((await app.services.status.status(actor)).data_dir).toBeNull();
    const http = createHttpApp(app, { actorFor: () => others[0] as Actor });
    const body = await (await http.request('/api/v1/status')).json() as { data_dir: unknown };
    expect(body.data_dir).toBeNull();
    expect(await (await http.request('/')).text()).not.toContain(app.dataDir);
  });
});
