import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import { type PgCluster, startPgCluster } from '../../../test/pg-cluster.js';
import { migrate } from '../../adapters/db/migrate.js';
import { PostgresDb } from '../../adapters/db/postgres.js';
import type { Actor } from '../../domain/actor.js';
import { approvalMessage, generateEd25519KeyPair, registrationMessage, signEd25519 } from '../../domain/ed25519.js';
import type { Db } from '../../ports/db.js';
import { insertApproval } from '../sql/approvals.js';
import { insertDevice } from '../sql/devices.js';
import { ApprovalService } from './approvals.js';
import { MAX_ACTIVE_DEVICES } from './device-limit.js';
import { codeIn, FakeAuthServer, FakeClock, MemoryMailer } from './fakes.fixture.js';
import { RegistrationService } from './registration.js';

// The counting SQL (FILTER, IS NOT DISTINCT FROM, the tenant row lock) must mean the same on both.
let cluster: Promise<PgCluster> | undefined;
afterAll(() => cluster?.then((c) => c.stop(), () => {}));
const DATABASES: { name: string; open: () => Promise<Db> }[] = [
  { name: 'PGlite', open: () => createTestDb([]) },
  {
    name: 'PostgreSQL 15',
    open: async () => {
      cluster ??= startPgCluster();
      const db = new PostgresDb(await (await cluster).createDatabase('registration_limits'));
      await migrate(db);
      return db;
    },
  },
];

const ATTACKER = '198.51.100.7';
const VICTIM = '203.0.113.9';

describe.each(DATABASES)('registration and device limits on $name', ({ open }) => {
  let db: Db;
  let clock: FakeClock;
  let mailer: MemoryMailer;
  let svc: RegistrationService;

  beforeAll(async () => {
    db = await open();
  }, 120_000);
  afterAll(() => db?.close());
  beforeEach(async () => {
    await db.exec(`TRUNCATE tenants, registrations, approvals CASCADE`);
    clock = new FakeClock();
    mailer = new MemoryMailer();
    svc = new RegistrationService(db, mailer, new FakeAuthServer(), clock);
  });

  /** Start a registration from a client address; returns what that device knows afterwards. */
  async function start(email: string, clientIp: string) {
    const keys = generateEd25519KeyPair();
    const res = await svc.start({ email, public_key: keys.publicKey, device_name: 'phone', device_kind: 'mobile' }, { clientIp });
    return { res, code: codeIn(mailer.sent.at(-1)!.text), signature: signEd25519(keys.privateKey, registrationMessage(res.challenge)) };
  }

  /** A tenant of its own with `n` active devices, the first holding `keys`. */
  async function tenantWithDevices(tenantId: string, n: number, keys = generateEd25519KeyPair()) {
    await db.query(`INSERT INTO tenants (tenant_id, name) VALUES ($1, $1)`, [tenantId]);
    const first = await insertDevice(db, { id: randomUUID(), tenant_id: tenantId, name: 'phone', kind: 'mobile', public_key: keys.publicKey, approved_by: null, oauth_client_id: 'p8fs-cli', created_at: clock.now() });
    for (let i = 1; i < n; i++) {
      await insertDevice(db, { id: randomUUID(), tenant_id: tenantId, name: `d${i}`, kind: 'cli', public_key: null, approved_by: null, oauth_client_id: 'p8fs-cli', created_at: clock.now() });
    }
    return { first, keys };
  }

  it("one address's starts for an e-mail do not lock out the person at another address", async () => {
    for (let i = 0; i < 5; i++) await start('ada@example.org', ATTACKER);
    // The attacker's address has used its share for this e-mail...
    await expect(start('ada@example.org', ATTACKER)).rejects.toMatchObject({ code: 'rate_limited' });
    // ...and nothing of anyone else's.
    const victim = await start('Ada@Example.org', VICTIM);
    await expect(svc.verify({ registration_id: victim.res.registration_id, code: victim.code, signature: victim.signature }))
      .resolves.toMatchObject({ device_id: expect.any(String) });
  });

  it('still bounds the codes one e-mail gets from many addresses (mail bombs, guessing across registrations)', async () => {
    for (let i = 0; i < 20; i++) await start('ada@example.org', `198.51.100.${i % 4}`);
    await expect(start('ada@example.org', '198.51.100.200')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(start('bob@example.org', '198.51.100.200')).resolves.toBeDefined();
    clock.advance(60 * 60_000);
    await expect(start('ada@example.org', '198.51.100.200')).resolves.toBeDefined();
  });

  it(`registration: refuses a device past ${MAX_ACTIVE_DEVICES} active ones with device.limit, without spending the code`, async () => {
    const first = await start('ada@example.org', VICTIM);
    const { tenant_id } = await svc.verify({ registration_id: first.res.registration_id, code: first.code, signature: first.signature });
    for (let i = 1; i < MAX_ACTIVE_DEVICES; i++) {
      await insertDevice(db, { id: randomUUID(), tenant_id, name: `d${i}`, kind: 'cli', public_key: null, approved_by: null, oauth_client_id: 'p8fs-cli', created_at: clock.now() });
    }
    const next = await start('ada@example.org', VICTIM);
    const verify = () => svc.verify({ registration_id: next.res.registration_id, code: next.code, signature: next.signature });
    await expect(verify()).rejects.toMatchObject({ code: 'device.limit' });
    // A revoked device frees its place; the same code still works.
    await db.query(`UPDATE devices SET status = 'revoked' WHERE tenant_id = $1 AND name = 'd1'`, [tenant_id]);
    await expect(verify()).resolves.toMatchObject({ tenant_id });
  });

  it(`approvals: refuses to approve a device past ${MAX_ACTIVE_DEVICES} active ones; the request stays pending`, async () => {
    const { first, keys } = await tenantWithDevices('ta', MAX_ACTIVE_DEVICES);
    const approvals = new ApprovalService(db, new FakeAuthServer(), clock);
    await insertApproval(db, {
      user_code: 'WDJB-MJHT', kind: 'device_code', ref: 'ref', client_id: 'p8fs-cli', client_name: 'P8FS CLI',
      scope: 'openid offline_access vault:read', expires_at: new Date(clock.now().getTime() + 10 * 60_000),
    });
    const actor: Actor = { tenantId: 'ta', userId: null, deviceId: first.id, scopes: ['vault:read', 'vault:write'], firstParty: true };
    const decide = (approve: boolean) => {
      const nonce = randomBytes(16).toString('base64url');
      return approvals.decide(actor, { user_code: 'WDJB-MJHT', approve, nonce, signature: signEd25519(keys.privateKey, approvalMessage('WDJB-MJHT', nonce, approve)) });
    };
    await expect(decide(true)).rejects.toMatchObject({ code: 'device.limit' });
    expect((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM devices WHERE tenant_id = 'ta'`))[0]?.n).toBe(MAX_ACTIVE_DEVICES);
    // Denying needs no room.
    await expect(decide(false)).resolves.toMatchObject({ status: 'denied' });
  });
});
