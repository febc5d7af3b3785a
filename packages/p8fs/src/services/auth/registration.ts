import { createHash, randomBytes, randomInt, randomUUID, timingSafeEqual } from 'node:crypto';
import type { DeviceKind, RegisterStartBody, RegisterStartResult, RegisterVerifyBody, RegisterVerifyResult, VaultMode } from '@p8fs/contracts';
import { DEVICE_KINDS, FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPE } from '@p8fs/contracts';
import { isEd25519PublicKey, registrationMessage, verifyEd25519 } from '../../domain/ed25519.js';
import { AppError } from '../../domain/errors.js';
import type { AuthorizationServer } from '../../ports/authorization-server.js';
import type { Clock } from '../../ports/clock.js';
import type { Db, SqlRunner } from '../../ports/db.js';
import type { Mailer } from '../../ports/mailer.js';
import { insertDevice, publicKeyInUse } from '../sql/devices.js';
import { tenantMode } from '../sql/e2e-relay.js';
import * as sql from '../sql/registrations.js';
import { deviceLimitReached } from './device-limit.js';

/** The first-party client and scope a registered device's tokens are issued for. */
export { FIRST_PARTY_CLIENT_ID, FIRST_PARTY_SCOPE };

export interface RegistrationOptions {
  /** How long a code is valid. Default 10 minutes. */
  codeTtlMs?: number;
  /** Wrong codes or signatures before a registration locks. Default 5. */
  maxAttempts?: number;
  /** Registrations one client address may start per hour for one e-mail. Default 5. */
  startsPerHour?: number;
  /** Registrations one e-mail may get per hour from all addresses together. Default 20. */
  startsPerHourPerEmail?: number;
}

/** Where a registration comes from: the client address the transport saw (null in process). */
export interface RegistrationOrigin {
  clientIp: string | null;
}

const HOUR_MS = 3_600_000;
// Practical bounds; RFC 5321 allows 254 characters in a path.
const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]+$/;

/**
 * First sign-in of a device by e-mail: the device sends its public key, the person receives a
 * 6-digit code, and the device returns the code with a signature over the server's challenge.
 * That proves both the mailbox and the key; the result is a tenant (new or existing for the
 * e-mail), a device row and tokens.
 */
export class RegistrationService {
  private readonly codeTtlMs: number;
  private readonly maxAttempts: number;
  private readonly startsPerHour: number;
  private readonly startsPerHourPerEmail: number;

  constructor(
    private readonly db: Db,
    private readonly mailer: Mailer,
    private readonly authServer: AuthorizationServer,
    private readonly clock: Clock,
    opts: RegistrationOptions = {},
  ) {
    this.codeTtlMs = opts.codeTtlMs ?? 10 * 60_000;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.startsPerHour = opts.startsPerHour ?? 5;
    this.startsPerHourPerEmail = opts.startsPerHourPerEmail ?? 20;
  }

  /** Start a registration and e-mail its code. */
  async start(input: RegisterStartBody, origin: RegistrationOrigin = { clientIp: null }): Promise<RegisterStartResult> {
    const email = input.email.trim().toLowerCase();
    if (email.length > 254 || !EMAIL.test(email)) throw new AppError('validation_failed', 'not an e-mail address');
    if (!isEd25519PublicKey(input.public_key)) throw new AppError('validation_failed', 'public_key must be a raw 32-byte Ed25519 key in base64url');
    const deviceName = input.device_name.trim();
    if (!deviceName || deviceName.length > 100) throw new AppError('validation_failed', 'device_name must have 1 to 100 characters');
    if (!(DEVICE_KINDS as readonly string[]).includes(input.device_kind)) throw new AppError('validation_failed', `device_kind must be one of ${DEVICE_KINDS.join(', ')}`);
    if (input.mode !== undefined && input.mode !== 'server' && input.mode !== 'e2e') throw new AppError('validation_failed', 'mode must be server or e2e');
    if (await publicKeyInUse(this.db, input.public_key)) throw new AppError('conflict', 'this public key is already registered to a device');

    const now = this.clock.now();
    await this.refuseTooManyStarts(email, origin.clientIp, now);
    const id = randomUUID();
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const challenge = randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.codeTtlMs);
    await sql.insertRegistration(this.db, {
      id, email, public_key: input.public_key, device_name: deviceName, device_kind: input.device_kind as DeviceKind,
      code_hash: codeHash(id, code), challenge, expires_at: expiresAt, created_at: now, client_ip: origin.clientIp, mode: input.mode ?? null,
    });
    const minutes = Math.round(this.codeTtlMs / 60_000);
    await this.mailer.send({
      to: email,
      subject: 'Your P8FS sign-in code',
      text: `Your P8FS sign-in code is ${code}\n\nIt expires in ${minutes} minutes. If you did not ask for it, ignore this e-mail.\n`,
    });
    return { registration_id: id, challenge, expires_at: expiresAt.toISOString() };
  }

  /**
   * Counted before inserting, per e-mail AND client address: one address gets a few starts an hour
   * for an e-mail (a mailbox is not flooded from there, and each start allows only a few code guesses),
   * so someone else's calls for your e-mail do not lock you out of adding a device. A larger count
   * per e-mail over all addresses bounds what many addresses together can do: at most 20 codes an
   * hour, 100 wrong guesses at a 6-digit code. Counting only verified or failed codes would not stop
   * mail flooding, and counting per e-mail alone lets five calls lock the owner out.
   */
  private async refuseTooManyStarts(email: string, clientIp: string | null, now: Date): Promise<void> {
    const starts = await sql.countStartsSince(this.db, email, new Date(now.getTime() - HOUR_MS), clientIp);
    if (starts.fromClient >= this.startsPerHour || starts.total >= this.startsPerHourPerEmail) {
      throw new AppError('rate_limited', 'too many sign-in codes for this e-mail; try again in an hour');
    }
  }

  /** Check the code and the key proof; create the tenant (if new), the device and its tokens. */
  async verify(input: RegisterVerifyBody): Promise<RegisterVerifyResult> {
    if (!UUID.test(input.registration_id)) throw new AppError('auth.invalid_code', 'no such registration in progress');
    const now = this.clock.now();
    // The attempt counter must survive a refusal, so the transaction returns the refusal instead of
    // throwing (which would roll the counter back).
    const outcome = await this.db.transaction(async (tx): Promise<AppError | { tenantId: string; deviceId: string; mode: VaultMode }> => {
      const reg = await sql.lockRegistration(tx, input.registration_id);
      if (!reg || reg.consumed_at) return new AppError('auth.invalid_code', 'no such registration in progress');
      if (reg.attempts >= this.maxAttempts) return new AppError('auth.locked', 'too many wrong attempts; start again');
      if (reg.expires_at.getTime() <= now.getTime()) return new AppError('auth.code_expired', 'the code has expired; start again');
      const codeOk = timingSafeEqual(Buffer.from(codeHash(reg.id, input.code.trim()), 'hex'), Buffer.from(reg.code_hash, 'hex'));
      if (!codeOk) {
        await sql.addFailedAttempt(tx, reg.id);
        return new AppError('auth.invalid_code', 'wrong code');
      }
      if (!verifyEd25519(reg.public_key, registrationMessage(reg.challenge), input.signature)) {
        await sql.addFailedAttempt(tx, reg.id);
        return new AppError('auth.bad_signature', 'the signature does not verify with the registered key');
      }
      // Another registration with the same key may have finished first.
      if (await publicKeyInUse(tx, reg.public_key)) return new AppError('conflict', 'this public key is already registered to a device');
      // Before consuming: the same code works once a device is revoked.
      const existing = await sql.tenantByEmail(tx, reg.email);
      const full = existing ? await deviceLimitReached(tx, existing) : null;
      if (full) return full;
      // Checked only here, after the code proved the mailbox: whether an e-mail has an account is not told to strangers.
      if (existing && reg.mode === 'e2e') {
        return new AppError('conflict', 'this e-mail already has a vault; end-to-end mode is chosen when a vault is created. Sign this device in without --e2e (p8fs register, or p8fs recover for an end-to-end vault)');
      }
      await sql.consumeRegistration(tx, reg.id, now);
      const tenantId = await findOrCreateTenant(tx, reg.email, reg.mode ?? 'server');
      const device = await insertDevice(tx, {
        id: randomUUID(), tenant_id: tenantId, name: reg.device_name, kind: reg.device_kind, public_key: reg.public_key,
        approved_by: null, oauth_client_id: FIRST_PARTY_CLIENT_ID, created_at: now,
      });
      return { tenantId, deviceId: device.id, mode: await tenantMode(tx, tenantId) };
    });
    if (outcome instanceof AppError) throw outcome;
    // After the commit: the authorization server keeps its own storage, and a device row must exist
    // before tokens name it.
    const tokens = await this.authServer.issueTokens({
      tenantId: outcome.tenantId, deviceId: outcome.deviceId, clientId: FIRST_PARTY_CLIENT_ID,
      scope: FIRST_PARTY_SCOPE, resource: this.authServer.resources.api,
    });
    return { tenant_id: outcome.tenantId, device_id: outcome.deviceId, tokens, vault_mode: outcome.mode };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** SHA-256 of the code salted with the registration id: a leaked table does not give codes away by lookup. */
function codeHash(registrationId: string, code: string): string {
  return createHash('sha256').update(`${registrationId}:${code}`).digest('hex');
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** A new random tenant id: `t_` and 10 base32 characters (50 bits). */
export function newTenantId(): string {
  let s = 't_';
  for (let i = 0; i < 10; i++) s += BASE32[randomInt(32)];
  return s;
}

/** The tenant of an e-mail, created (in the given vault mode) on its first registration. */
async function findOrCreateTenant(tx: SqlRunner, email: string, mode: VaultMode): Promise<string> {
  const existing = await sql.tenantByEmail(tx, email);
  if (existing) return existing;
  // A collision of random ids is unlikely but cheap to survive; a concurrent first registration of
  // the same e-mail makes the insert a no-op and the lookup finds its tenant.
  for (let i = 0; i < 5; i++) {
    const tenantId = newTenantId();
    if (await sql.insertTenant(tx, { tenant_id: tenantId, name: email.split('@')[0] || email, email, mode })) return tenantId;
    const raced = await sql.tenantByEmail(tx, email);
    if (raced) return raced;
  }
  throw new Error('could not allocate a tenant id');
}
