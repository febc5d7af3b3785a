import type { DeviceDto } from '@p8fs/contracts';
import type { Actor } from '../../domain/actor.js';
import { AppError } from '../../domain/errors.js';
import type { AuthorizationServer } from '../../ports/authorization-server.js';
import type { Clock } from '../../ports/clock.js';
import { systemClock } from '../../ports/clock.js';
import type { Db } from '../../ports/db.js';
import * as sql from '../sql/devices.js';
import { requirePermission } from '../../domain/scopes.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant's devices: list, rename, revoke; and the per-request check that a token's device is still active. */
export class DeviceService {
  constructor(
    private readonly db: Db,
    private readonly authServer: AuthorizationServer,
    private readonly clock: Clock = systemClock,
  ) {}

  /** The actor's tenant's devices. */
  list(actor: Actor): Promise<sql.DeviceRow[]> {
    requirePermission(actor, 'account');
    return sql.listDevices(this.db, actor.tenantId);
  }

  /** One device, or device.not_found (also for another tenant's id: existence is not revealed). */
  async get(actor: Actor, id: string): Promise<sql.DeviceRow> {
    requirePermission(actor, 'account');
    const row = UUID.test(id) ? await sql.getDevice(this.db, actor.tenantId, id) : null;
    if (!row) throw new AppError('device.not_found', `no device ${id}`);
    return row;
  }

  /** Give a device a new name. */
  async rename(actor: Actor, id: string, name: string): Promise<sql.DeviceRow> {
    requirePermission(actor, 'account');
    const trimmed = name.trim();
    if (!trimmed || trimmed.length > 100) throw new AppError('validation_failed', 'a device name has 1 to 100 characters');
    const row = UUID.test(id) ? await sql.renameDevice(this.db, actor.tenantId, id, trimmed) : null;
    if (!row) throw new AppError('device.not_found', `no device ${id}`);
    return row;
  }

  /**
   * Revoke a device: its row turns revoked first, so the request middleware refuses its access
   * tokens at once, then the authorization server drops its refresh tokens and grants.
   */
  async revoke(actor: Actor, id: string): Promise<sql.DeviceRow> {
    requirePermission(actor, 'account');
    const row = UUID.test(id) ? await sql.revokeDevice(this.db, actor.tenantId, id, this.clock.now()) : null;
    if (!row) throw new AppError('device.not_found', `no device ${id}`);
    await this.authServer.revokeDevice(row.id);
    return row;
  }

  /** Whether a token's device still exists in its tenant and is active (every authenticated request asks). */
  isActive(tenantId: string, deviceId: string): Promise<boolean> {
    return UUID.test(deviceId) ? sql.deviceIsActive(this.db, tenantId, deviceId) : Promise.resolve(false);
  }

  /** Note that the device was just seen (written at most once a minute). */
  async touch(tenantId: string, deviceId: string): Promise<void> {
    if (UUID.test(deviceId)) await sql.touchDevice(this.db, tenantId, deviceId, this.clock.now());
  }
}

/** A device as the API presents it. */
export function toDeviceDto(d: sql.DeviceRow): DeviceDto {
  return {
    id: d.id, name: d.name, kind: d.kind, status: d.status, public_key: d.public_key, approved_by: d.approved_by,
    oauth_client_id: d.oauth_client_id, created_at: d.created_at.toISOString(),
    last_seen_at: d.last_seen_at?.toISOString() ?? null, revoked_at: d.revoked_at?.toISOString() ?? null,
  };
}
