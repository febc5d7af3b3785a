import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, ownerToken } from '../../../../test/support.js';
import type { App } from '../../../app.js';
import { type HttpServer, startHttpServer } from '../../http/server.js';
import { RemoteVault } from './remote.js';

// The CLI's moment calls against a running server: tag lists travel as comma lists and come back whole.
describe('RemoteVault moments', () => {
  let app: App & { dataDir: string };
  let server: HttpServer;
  let vault: RemoteVault;

  beforeAll(async () => {
    app = await createTestApp();
    server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
    const token = await ownerToken(app, server.url);
    vault = new RemoteVault(server.url, async () => token);
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('creates, lists with several tags, reads and deletes', async () => {
    const m = await vault.createMoment({ name: 'Harbour walk', starts_at: '2024-05-01', topic_tags: ['Sea', 'walks'], present_persons: ['Ana'] });
    await vault.createMoment({ name: 'Budget review', starts_at: '2024-05-02', topic_tags: ['money'] });
    const list = await vault.listMoments({ topic: ['sea', 'money'], order: 'oldest', limit: 10, offset: 0 });
    expect(list.moments.map((x) => x.name)).toEqual(['Harbour walk', 'Budget review']);
    expect((await vault.listMoments({ person: 'ana', order: 'recent', limit: 10, offset: 0 })).total).toBe(1);
    expect(await vault.getMoment(m.id)).toMatchObject({ name: 'Harbour walk', topic_tags: ['sea', 'walks'] });
    await vault.deleteMoment(m.id);
    await expect(vault.getMoment(m.id)).rejects.toMatchObject({ code: 'not_found' });
  });
});
