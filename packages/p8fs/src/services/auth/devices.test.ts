import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import type { PgliteDb } from '../../adapters/db/pglite.js';
import type { Actor } from '../../domain/actor.js';
import { generateEd25519KeyPair } from '../../domain/ed25519.js';
import { type DeviceRow, insertDevice } from '../sql/devices.js';
import { DeviceService, toDeviceDto } from './devices.js';
import { FakeAuthServer, FakeClock } from './fakes.fixture.js';

let db: PgliteDb;
let auth: FakeAuthServer;
let clock: FakeClock;
let svc: DeviceService;

const actorOf = (d: DeviceRow): Actor => ({ tenantId: d.tenant_id, userId: null, deviceId: d.id, scopes: ['vault:read', 'vault:write'], firstParty: true });

async function device(tenantId: string, name: string): Promise<DeviceRow> {
  return insertDevice(db, {
    id: randomUUID(), tenant_id: tenantId, name, kind: 'mobile', public_key: generateEd25519KeyPair().publicKey,
    approved_by: null, oauth_client_id: 'p8fs-cli', created_at: clock.now(),
  });
}

beforeAll(async () => {
  db = await createTestDb(['ta', 'tb']);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.exec(`DELETE FROM devices`);
  auth = new FakeAuthServer();
  clock = new FakeClock();
  svc = new DeviceService(db, auth, clock);
});

describe('DeviceService', () => {
  it("lists only the actor's tenant's devices", async () => {
    const a1 = await device('ta', 'phone');
    clock.advance(1000);
    const a2 = await device('ta', 'laptop');
    await device('tb', 'bob phone');
    expect((await svc.list(actorOf(a1))).map((d) => d.name)).toEqual(['phone', 'laptop']);
    expect(toDeviceDto(a2)).toMatchObject({ id: a2.id, name: 'laptop', status: 'active', created_at: a2.created_at.toISOString(), revoked_at: null });
  });

  it('renames a device', async () => {
    const a = await device('ta', 'phone');
    expect((await svc.rename(actorOf(a), a.id, '  Ada phone ')).name).toBe('Ada phone');
    await expect(svc.rename(actorOf(a), a.id, ' ')).rejects.toMatchObject({ code: 'validation_failed' });
  });

  it('revokes a device: revoked, no longer active, grants dropped at the authorization server', async () => {
    const a = await device('ta', 'phone');
    const b = await device('ta', 'laptop');
    expect(await svc.isActive('ta', b.id)).toBe(true);
    const row = await svc.revoke(actorOf(a), b.id);
    expect(row).toMatchObject({ status: 'revoked', revoked_at: clock.now() });
    expect(auth.revoked).toEqual([b.id]);
    expect(await svc.isActive('ta', b.id)).toBe(false);
    expect(await svc.isActive('ta', a.id)).toBe(true);
  });

  it("cannot see, rename or revoke another tenant's device (device.not_found)", async () => {
    const a = await device('ta', 'phone');
    const b = await device('tb', 'bob phone');
    for (const id of [b.id, randomUUID(), 'not-a-uuid']) {
      await expect(svc.get(actorOf(a), id)).rejects.toMatchObject({ code: 'device.not_found' });
      await expect(svc.rename(actorOf(a), id, 'mine now')).rejects.toMatchObject({ code: 'device.not_found' });
      await expect(svc.revoke(actorOf(a), id)).rejects.toMatchObject({ code: 'device.not_found' });
    }
    expect(auth.revoked).toEqual([]);
    expect(await db.query(`SELECT name, status FROM devices WHERE id = $1`, [b.id])).toEqual([{ name: 'bob phone', status: 'active' }]);
    // A token naming a device of another tenant is not active in this one.
    expect(await svc.isActive('ta', b.id)).toBe(false);
    expect(await svc.isActive('ta', 'junk')).toBe(false);
  });

  it('touch records last_seen_at at most once a minute', async () => {
    const a = await device('ta', 'phone');
    const seen = async () => (await svc.get(actorOf(a), a.id)).last_seen_at;
    await svc.touch('ta', a.id);
    const first = clock.now();
    expect(await seen()).toEqual(first);
    clock.advance(30_000);
    await svc.touch('ta', a.id);
    expect(await seen()).toEqual(first);
    clock.advance(31_000);
    await svc.touch('ta', a.id);
    expect(await seen()).toEqual(clock.now());
    // Scoped by tenant: another tenant's id writes nothing.
    clock.advance(120_000);
    await svc.touch('tb', a.id);
    expect(await seen()).not.toEqual(clock.now());
  });
});
