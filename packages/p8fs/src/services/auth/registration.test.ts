import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import { SmtpMailer } from '../../adapters/mailer/smtp.js';
import { startTestSmtp, type TestSmtp } from '../../adapters/mailer/test-smtp.fixture.js';
import type { PgliteDb } from '../../adapters/db/pglite.js';
import { generateEd25519KeyPair, registrationMessage, signEd25519 } from '../../domain/ed25519.js';
import { codeIn, FakeAuthServer, FakeClock, MemoryMailer } from './fakes.fixture.js';
import { FIRST_PARTY_SCOPE, newTenantId, RegistrationService } from './registration.js';

let db: PgliteDb;
let auth: FakeAuthServer;
let clock: FakeClock;
let mailer: MemoryMailer;
let svc: RegistrationService;

// One migrated database per file (migrating takes seconds); each test starts from empty tables.
beforeAll(async () => {
  db = await createTestDb([]);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.exec(`TRUNCATE tenants, registrations, approvals CASCADE`);
  auth = new FakeAuthServer();
  clock = new FakeClock();
  mailer = new MemoryMailer();
  svc = new RegistrationService(db, mailer, auth, clock);
});

/** Start a registration for a fresh key; returns what the device knows afterwards. */
async function started(email = 'ada@example.org', name = 'Ada phone') {
  const keys = generateEd25519KeyPair();
  const res = await svc.start({ email, public_key: keys.publicKey, device_name: name, device_kind: 'mobile' });
  const code = codeIn(mailer.sent.at(-1)!.text);
  const signature = signEd25519(keys.privateKey, registrationMessage(res.challenge));
  return { keys, res, code, signature };
}

async function attempts(id: string): Promise<number> {
  return (await db.query<{ attempts: number }>(`SELECT attempts FROM registrations WHERE id = $1`, [id]))[0]!.attempts;
}

describe('RegistrationService through a real SMTP server', () => {
  let smtp: TestSmtp;
  beforeAll(async () => {
    smtp = await startTestSmtp();
  });
  afterAll(() => smtp.close());

  it('registers a device: e-mailed code + key proof -> tenant, device, tokens', async () => {
    const smtpMailer = new SmtpMailer(smtp.url, 'P8FS <no-reply@p8fs.test>');
    const service = new RegistrationService(db, smtpMailer, auth, clock);
    const keys = generateEd25519KeyPair();
    const res = await service.start({ email: ' Ada@Example.org ', public_key: keys.publicKey, device_name: 'Ada phone', device_kind: 'mobile' });
    expect(res.expires_at).toBe(new Date(clock.now().getTime() + 10 * 60_000).toISOString());

    const mail = await smtp.next();
    expect(mail.envelopeTo).toEqual(['ada@example.org']);
    const code = codeIn(mail.raw);
    const stored = (await db.query<{ code_hash: string }>(`SELECT code_hash FROM registrations WHERE id = $1`, [res.registration_id]))[0]!;
    expect(stored.code_hash).not.toContain(code);

    const out = await service.verify({ registration_id: res.registration_id, code, signature: signEd25519(keys.privateKey, registrationMessage(res.challenge)) });
    await smtpMailer.close();

    expect(out.tenant_id).toMatch(/^t_[a-z2-7]{10}$/);
    expect(out.tokens).toEqual({ access_token: `at-${out.device_id}`, refresh_token: `rt-${out.device_id}`, token_type: 'Bearer', expires_in: 3600, scope: FIRST_PARTY_SCOPE });
    expect(auth.issued).toEqual([{ tenantId: out.tenant_id, deviceId: out.device_id, clientId: 'p8fs-cli', scope: FIRST_PARTY_SCOPE, resource: auth.resources.api }]);
    const tenant = await db.query(`SELECT tenant_id, name, email FROM tenants`);
    expect(tenant).toEqual([{ tenant_id: out.tenant_id, name: 'ada', email: 'ada@example.org' }]);
    const devices = await db.query(`SELECT id, tenant_id, name, kind, status, public_key FROM devices`);
    expect(devices).toEqual([{ id: out.device_id, tenant_id: out.tenant_id, name: 'Ada phone', kind: 'mobile', status: 'active', public_key: keys.publicKey }]);

    // Consumed once.
    await expect(service.verify({ registration_id: res.registration_id, code, signature: signEd25519(keys.privateKey, registrationMessage(res.challenge)) }))
      .rejects.toMatchObject({ code: 'auth.invalid_code' });
  });
});

describe('RegistrationService', () => {
  it('locks after 5 wrong codes: the right code is refused afterwards', async () => {
    const { res, code, signature } = await started();
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      await expect(svc.verify({ registration_id: res.registration_id, code: wrong, signature })).rejects.toMatchObject({ code: 'auth.invalid_code' });
    }
    expect(await attempts(res.registration_id)).toBe(5);
    await expect(svc.verify({ registration_id: res.registration_id, code, signature })).rejects.toMatchObject({ code: 'auth.locked' });
    expect(auth.issued).toEqual([]);
    expect(await db.query(`SELECT * FROM devices`)).toEqual([]);
  });

  it('refuses an expired code', async () => {
    const { res, code, signature } = await started();
    clock.advance(10 * 60_000);
    await expect(svc.verify({ registration_id: res.registration_id, code, signature })).rejects.toMatchObject({ code: 'auth.code_expired' });
  });

  it('accepts the code just before it expires', async () => {
    const { res, code, signature } = await started();
    clock.advance(10 * 60_000 - 1);
    await expect(svc.verify({ registration_id: res.registration_id, code, signature })).resolves.toMatchObject({ device_id: expect.any(String) });
  });

  it('refuses a signature by another key or over another challenge, counting it as an attempt', async () => {
    const { keys, res, code } = await started();
    const other = generateEd25519KeyPair();
    const byOther = signEd25519(other.privateKey, registrationMessage(res.challenge));
    await expect(svc.verify({ registration_id: res.registration_id, code, signature: byOther })).rejects.toMatchObject({ code: 'auth.bad_signature' });
    const overOther = signEd25519(keys.privateKey, registrationMessage('another-challenge'));
    await expect(svc.verify({ registration_id: res.registration_id, code, signature: overOther })).rejects.toMatchObject({ code: 'auth.bad_signature' });
    await expect(svc.verify({ registration_id: res.registration_id, code, signature: 'x' })).rejects.toMatchObject({ code: 'auth.bad_signature' });
    expect(await attempts(res.registration_id)).toBe(3);
    const good = signEd25519(keys.privateKey, registrationMessage(res.challenge));
    await expect(svc.verify({ registration_id: res.registration_id, code, signature: good })).resolves.toMatchObject({ device_id: expect.any(String) });
  });

  it('refuses a public key that is already registered, at start and at verify', async () => {
    const keys = generateEd25519KeyPair();
    const body = { email: 'ada@example.org', public_key: keys.publicKey, device_name: 'phone', device_kind: 'mobile' as const };
    // Two registrations in flight with the same key: the second to finish loses.
    const a = await svc.start(body);
    const codeA = codeIn(mailer.sent.at(-1)!.text);
    const b = await svc.start({ ...body, email: 'eve@example.org' });
    const codeB = codeIn(mailer.sent.at(-1)!.text);
    await svc.verify({ registration_id: a.registration_id, code: codeA, signature: signEd25519(keys.privateKey, registrationMessage(a.challenge)) });
    await expect(svc.verify({ registration_id: b.registration_id, code: codeB, signature: signEd25519(keys.privateKey, registrationMessage(b.challenge)) }))
      .rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.start(body)).rejects.toMatchObject({ code: 'conflict' });
    expect(await db.query(`SELECT email FROM tenants`)).toEqual([{ email: 'ada@example.org' }]);
  });

  it('adds a device to the existing tenant of an e-mail', async () => {
    const first = await started('ada@example.org', 'phone');
    const one = await svc.verify({ registration_id: first.res.registration_id, code: first.code, signature: first.signature });
    const second = await started('ADA@example.org', 'tablet');
    const two = await svc.verify({ registration_id: second.res.registration_id, code: second.code, signature: second.signature });
    expect(two.tenant_id).toBe(one.tenant_id);
    expect(two.device_id).not.toBe(one.device_id);
    const rows = await db.query(`SELECT tenant_id, name FROM devices ORDER BY name`);
    expect(rows).toEqual([{ tenant_id: one.tenant_id, name: 'phone' }, { tenant_id: one.tenant_id, name: 'tablet' }]);
  });

  it('rate-limits starts per e-mail: 5 an hour', async () => {
    for (let i = 0; i < 5; i++) await started('ada@example.org');
    await expect(started('Ada@Example.org')).rejects.toMatchObject({ code: 'rate_limited' });
    await expect(started('bob@example.org')).resolves.toBeDefined();
    clock.advance(60 * 60_000);
    await expect(started('ada@example.org')).resolves.toBeDefined();
  });

  it('validates the e-mail, the key, the device name and kind', async () => {
    const pk = generateEd25519KeyPair().publicKey;
    const ok = { email: 'ada@example.org', public_key: pk, device_name: 'phone', device_kind: 'mobile' as const };
    await expect(svc.start({ ...ok, email: 'not-an-email' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(svc.start({ ...ok, public_key: pk.slice(0, 40) })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(svc.start({ ...ok, public_key: Buffer.alloc(33).toString('base64url') })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(svc.start({ ...ok, device_name: '  ' })).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(svc.start({ ...ok, device_kind: 'toaster' as 'mobile' })).rejects.toMatchObject({ code: 'validation_failed' });
    expect(mailer.sent).toEqual([]);
  });

  it('answers an unknown registration id like a wrong code', async () => {
    await expect(svc.verify({ registration_id: 'nope', code: '123456', signature: 'x' })).rejects.toMatchObject({ code: 'auth.invalid_code' });
    await expect(svc.verify({ registration_id: '00000000-0000-4000-8000-000000000000', code: '123456', signature: 'x' }))
      .rejects.toMatchObject({ code: 'auth.invalid_code' });
  });

  it('makes random tenant ids', () => {
    const ids = new Set(Array.from({ length: 200 }, newTenantId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id).toMatch(/^t_[a-z2-7]{10}$/);
  });
});
