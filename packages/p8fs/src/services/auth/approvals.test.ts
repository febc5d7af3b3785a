import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDb } from '../../../test/db.js';
import type { PgliteDb } from '../../adapters/db/pglite.js';
import type { Actor } from '../../domain/actor.js';
import { approvalMessage, type Ed25519KeyPair, generateEd25519KeyPair, signEd25519 } from '../../domain/ed25519.js';
import { type ApprovalRow, claimNonce, insertApproval } from '../sql/approvals.js';
import { type DeviceRow, insertDevice } from '../sql/devices.js';
import { ApprovalService, newDeviceKind } from './approvals.js';
import { FakeAuthServer, FakeClock } from './fakes.fixture.js';

let db: PgliteDb;
let auth: FakeAuthServer;
let clock: FakeClock;
let svc: ApprovalService;

interface Holder {
  device: DeviceRow;
  keys: Ed25519KeyPair;
  actor: Actor;
}

async function holder(tenantId: string, name = 'phone'): Promise<Holder> {
  const keys = generateEd25519KeyPair();
  const device = await insertDevice(db, {
    id: randomUUID(), tenant_id: tenantId, name, kind: 'mobile', public_key: keys.publicKey, approved_by: null,
    oauth_client_id: 'p8fs-cli', created_at: clock.now(),
  });
  return { device, keys, actor: { tenantId, userId: null, deviceId: device.id, scopes: ['vault:read', 'vault:write'], firstParty: true } };
}

async function pending(userCode = 'WDJB-MJHT', over: Partial<ApprovalRow> = {}): Promise<void> {
  await insertApproval(db, {
    user_code: userCode, kind: 'device_code', ref: `ref-${userCode}`, client_id: 'p8fs-cli', client_name: 'P8FS CLI',
    scope: 'openid offline_access vault:read', expires_at: new Date(clock.now().getTime() + 10 * 60_000), ...over,
  });
}

function signed(h: Holder, userCode: string, approve: boolean, keys = h.keys) {
  const nonce = randomBytes(16).toString('base64url');
  return { user_code: userCode, approve, nonce, signature: signEd25519(keys.privateKey, approvalMessage(userCode, nonce, approve)) };
}

beforeAll(async () => {
  db = await createTestDb(['ta', 'tb']);
});
afterAll(() => db.close());
beforeEach(async () => {
  await db.exec(`DELETE FROM approvals; DELETE FROM devices; DELETE FROM kv`);
  auth = new FakeAuthServer();
  clock = new FakeClock();
  svc = new ApprovalService(db, auth, clock);
});

describe('ApprovalService', () => {
  it('shows a pending request by its code, however it was typed', async () => {
    const a = await holder('ta');
    await pending();
    const dto = await svc.get(a.actor, ' wdjb mjht ');
    expect(dto).toEqual({
      user_code: 'WDJB-MJHT', kind: 'device_code', client_id: 'p8fs-cli', client_name: 'P8FS CLI',
      scope: 'openid offline_access vault:read', expires_at: new Date(clock.now().getTime() + 10 * 60_000).toISOString(),
      verified: true, audience: [], redirect_host: null,
    });
    await expect(svc.get(a.actor, 'AAAA-BBBB')).rejects.toMatchObject({ code: 'approval.not_found' });
    clock.advance(10 * 60_000);
    await expect(svc.get(a.actor, 'WDJB-MJHT')).rejects.toMatchObject({ code: 'approval.not_found' });
  });

  it("approves with a valid signature: a new device in the approver's tenant, then settle", async () => {
    const a = await holder('ta');
    await pending();
    const res = await svc.decide(a.actor, signed(a, 'wdjbmjht', true));
    expect(res).toEqual({ user_code: 'WDJB-MJHT', status: 'approved', device_id: expect.any(String) });

    const dev = (await db.query(`SELECT tenant_id, name, kind, status, public_key, approved_by, oauth_client_id FROM devices WHERE id = $1`, [res.device_id]))[0];
    expect(dev).toEqual({ tenant_id: 'ta', name: 'P8FS CLI', kind: 'cli', status: 'active', public_key: null, approved_by: a.device.id, oauth_client_id: 'p8fs-cli' });
    const row = (await db.query(`SELECT status, tenant_id, device_id, approved_by, decided_at FROM approvals`))[0];
    expect(row).toEqual({ status: 'approved', tenant_id: 'ta', device_id: res.device_id, approved_by: a.device.id, decided_at: clock.now() });
    expect(auth.settled).toEqual([{
      approval: {
        userCode: 'WDJB-MJHT', kind: 'device_code', clientId: 'p8fs-cli', clientName: 'P8FS CLI',
        scope: 'openid offline_access vault:read', expiresAt: new Date(clock.now().getTime() + 10 * 60_000),
      },
      decision: { approve: true, tenantId: 'ta', deviceId: res.device_id },
    }]);
  });

  it('makes an MCP device for a browser sign-in', async () => {
    const a = await holder('ta');
    await pending('MCPX-HOST', { kind: 'interaction', client_id: 'dyn-123', client_name: 'Claude Desktop' });
    const res = await svc.decide(a.actor, signed(a, 'MCPX-HOST', true));
    expect((await db.query(`SELECT kind, name, oauth_client_id FROM devices WHERE id = $1`, [res.device_id]))[0])
      .toEqual({ kind: 'mcp', name: 'Claude Desktop', oauth_client_id: 'dyn-123' });
  });

  it('denies: no device, the request is denied and settled as such', async () => {
    const a = await holder('ta');
    await pending();
    expect(await svc.decide(a.actor, signed(a, 'WDJB-MJHT', false))).toEqual({ user_code: 'WDJB-MJHT', status: 'denied', device_id: null });
    expect(await db.query(`SELECT count(*)::int AS n FROM devices`)).toEqual([{ n: 1 }]);
    expect((await db.query(`SELECT status FROM approvals`))[0]).toEqual({ status: 'denied' });
    expect(auth.settled.map((s) => s.decision)).toEqual([{ approve: false }]);
  });

  it("refuses a signature by another key, or one that signed the other decision", async () => {
    const a = await holder('ta');
    const stranger = generateEd25519KeyPair();
    await pending();
    await expect(svc.decide(a.actor, signed(a, 'WDJB-MJHT', true, stranger))).rejects.toMatchObject({ code: 'auth.bad_signature' });
    // A denial's signature cannot be replayed as an approval.
    const deny = signed(a, 'WDJB-MJHT', false);
    await expect(svc.decide(a.actor, { ...deny, approve: true })).rejects.toMatchObject({ code: 'auth.bad_signature' });
    // Nor a signature over another code.
    await expect(svc.decide(a.actor, { ...signed(a, 'AAAA-BBBB', true), user_code: 'WDJB-MJHT' })).rejects.toMatchObject({ code: 'auth.bad_signature' });
    expect(auth.settled).toEqual([]);
    expect((await db.query(`SELECT status FROM approvals`))[0]).toEqual({ status: 'pending' });
  });

  it('refuses a revoked approver, a device without a key, an actor without a device and a device of another tenant', async () => {
    const a = await holder('ta');
    const b = await holder('tb');
    await pending();
    await db.query(`UPDATE devices SET status = 'revoked' WHERE id = $1`, [a.device.id]);
    await expect(svc.decide(a.actor, signed(a, 'WDJB-MJHT', true))).rejects.toMatchObject({ code: 'forbidden' });
    await db.query(`UPDATE devices SET status = 'active', public_key = NULL WHERE id = $1`, [a.device.id]);
    await expect(svc.decide(a.actor, signed(a, 'WDJB-MJHT', true))).rejects.toMatchObject({ code: 'forbidden' });
    await expect(svc.decide({ ...a.actor, deviceId: null }, signed(a, 'WDJB-MJHT', true))).rejects.toMatchObject({ code: 'forbidden' });
    // A tenant-a token naming tenant b's device (and signed by b's key) does not get to approve.
    await expect(svc.decide({ ...a.actor, deviceId: b.device.id }, signed(b, 'WDJB-MJHT', true))).rejects.toMatchObject({ code: 'forbidden' });
    expect(auth.settled).toEqual([]);
  });

  it('refuses a second decision and an expired request', async () => {
    const a = await holder('ta');
    const other = await holder('ta', 'tablet');
    await pending();
    await svc.decide(a.actor, signed(a, 'WDJB-MJHT', true));
    await expect(svc.decide(other.actor, signed(other, 'WDJB-MJHT', false))).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.decide(a.actor, signed(a, 'WDJB-MJHT', true))).rejects.toMatchObject({ code: 'conflict' });
    expect(auth.settled).toHaveLength(1);
    expect(await db.query(`SELECT count(*)::int AS n FROM devices`)).toEqual([{ n: 3 }]);

    await pending('LATE-CODE');
    clock.advance(10 * 60_000);
    await expect(svc.decide(a.actor, signed(a, 'LATE-CODE', true))).rejects.toMatchObject({ code: 'approval.not_found' });
    await expect(svc.decide(a.actor, signed(a, 'NONE-HERE', true))).rejects.toMatchObject({ code: 'approval.not_found' });
  });

  it('refuses a replayed signature after the user code was reused for a new request', async () => {
    const a = await holder('ta');
    await pending();
    const first = signed(a, 'WDJB-MJHT', true);
    await svc.decide(a.actor, first);
    // The authorization server reopens an expired code for a new request (adapters/oauth does so).
    clock.advance(11 * 60_000);
    await db.query(
      `UPDATE approvals SET status = 'pending', tenant_id = NULL, device_id = NULL, approved_by = NULL, decided_at = NULL, expires_at = $1`,
      [new Date(clock.now().getTime() + 10 * 60_000)],
    );
    await expect(svc.decide(a.actor, first)).rejects.toMatchObject({ code: 'conflict' });
    await expect(svc.decide(a.actor, signed(a, 'WDJB-MJHT', true))).resolves.toMatchObject({ status: 'approved' });
  });

  it('keeps a nonce used until the request expires', async () => {
    const now = clock.now();
    const until = new Date(now.getTime() + 60_000);
    const dev = randomUUID();
    expect(await claimNonce(db, 'ta', dev, 'n1', now, until)).toBe(true);
    expect(await claimNonce(db, 'ta', dev, 'n1', now, until)).toBe(false);
    expect(await claimNonce(db, 'ta', randomUUID(), 'n1', now, until)).toBe(true);
    expect(await claimNonce(db, 'ta', dev, 'n1', until, new Date(until.getTime() + 60_000))).toBe(true);
  });

  it('names the kind of an approved device from the request', () => {
    expect(newDeviceKind({ kind: 'interaction', client_name: 'Anything' })).toBe('mcp');
    expect(newDeviceKind({ kind: 'device_code', client_name: null })).toBe('cli');
    expect(newDeviceKind({ kind: 'device_code', client_name: 'P8FS CLI' })).toBe('cli');
    expect(newDeviceKind({ kind: 'device_code', client_name: 'P8FS for Android' })).toBe('mobile');
    expect(newDeviceKind({ kind: 'device_code', client_name: 'Obsidian' })).toBe('desktop');
  });
});
