import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp } from '../../test/support.js';
import type { App } from '../app.js';
import { isAppError } from '../domain/errors.js';

describe('upload tickets', () => {
  let app: App & { dataDir: string };
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(() => app?.close());

  it('redeems once, for the tenant and name it was issued for', async () => {
    const t = await app.services.uploadTickets.issue(app.owner, { name: 'big.pdf', uri: 'docs/big.pdf' });
    const grant = await app.services.uploadTickets.redeem(t.token);
    expect(grant).toMatchObject({ name: 'big.pdf', uri: 'docs/big.pdf', actor: { tenantId: app.config.tenantId } });
    const again = await app.services.uploadTickets.redeem(t.token).catch((e: unknown) => e);
    expect(isAppError(again, 'not_found')).toBe(true);
  });

  it('refuses an expired ticket and one whose device was revoked', async () => {
    const past = new Date(Date.now() - 60 * 60_000);
    const old = await app.services.uploadTickets.issue(app.owner, { name: 'a.txt' }, past);
    expect(isAppError(await app.services.uploadTickets.redeem(old.token).catch((e: unknown) => e), 'not_found')).toBe(true);

    const device = randomUUID();
    await app.db.query(`INSERT INTO devices (id, tenant_id, name, kind) VALUES ($1, $2, 'phone', 'mobile')`, [device, app.config.tenantId]);
    const actor = { tenantId: app.config.tenantId, userId: null, deviceId: device, scopes: ['vault:write'], firstParty: false };
    const t = await app.services.uploadTickets.issue(actor, { name: 'b.txt' });
    await app.db.query(`UPDATE devices SET status = 'revoked' WHERE id = $1`, [device]);
    expect(isAppError(await app.services.uploadTickets.redeem(t.token).catch((e: unknown) => e), 'not_found')).toBe(true);
  });
});
